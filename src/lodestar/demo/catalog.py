"""Static data for the demo corpus: languages with short printed phrases, towns, camera models.

Phrases are the kind of text found on shop signs, street plates and product labels.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Place:
    name: str
    country: str
    lat: float
    lon: float
    alt: int


@dataclass(frozen=True)
class Language:
    code: str
    country: str
    script: str  # "latin" or "thai"
    phrases: tuple[str, ...]
    places: tuple[Place, ...]


@dataclass(frozen=True)
class CameraModel:
    make: str
    model: str
    style: str  # file naming style
    serial_digits: int


_Town = tuple[str, float, float, int]  # name, lat, lon, altitude in m

# code, country, script, printed phrases, then two towns in that country
_LANGUAGE_ROWS: tuple[tuple[str, str, str, tuple[str, ...], tuple[_Town, ...]], ...] = (
    ("pt", "PT", "latin",
     ("Padaria Central", "Farmácia", "Rua de Santa Catarina", "Leite meio-gordo 1 L",
      "Café moído 250 g", "Aberto das 9h às 19h", "Saída", "Proibido fumar",
      "Avenida dos Aliados", "Pastelaria Doce Lar", "Sumo de laranja", "Mercearia"),
     (("Porto", 41.1496, -8.6110, 80), ("Coimbra", 40.2033, -8.4103, 75))),
    ("es", "ES", "latin",
     ("Panadería La Espiga", "Farmacia", "Calle de Alcalá", "Leche entera 1 L",
      "Aceite de oliva virgen extra", "Abierto de 9 a 21 h", "Salida", "Prohibido fumar",
      "Plaza Mayor", "Ferretería", "Zumo de naranja", "Frutería"),
     (("Madrid", 40.4168, -3.7038, 657), ("Valencia", 39.4699, -0.3763, 15))),
    ("de", "DE", "latin",
     ("Bäckerei Sonnenschein", "Apotheke", "Hauptstraße", "Vollmilch 3,5 % 1 L",
      "Kaffee gemahlen 500 g", "Geöffnet 8–18 Uhr", "Ausgang", "Rauchen verboten",
      "Marienplatz", "Getränkemarkt", "Apfelsaft naturtrüb", "Schreibwaren"),
     (("Munich", 48.1372, 11.5756, 519), ("Leipzig", 51.3397, 12.3731, 113))),
    ("nl", "NL", "latin",
     ("Bakkerij De Korenschoof", "Apotheek", "Coolsingel", "Halfvolle melk 1 L",
      "Koffiebonen 500 g", "Open van 9 tot 18 uur", "Uitgang", "Verboden te roken",
      "Witte de Withstraat", "Fietsenmaker", "Appelsap", "Kaaswinkel"),
     (("Rotterdam", 51.9244, 4.4777, 0), ("Utrecht", 52.0907, 5.1214, 5))),
    ("pl", "PL", "latin",
     ("Piekarnia Złoty Kłos", "Apteka", "ul. Floriańska", "Mleko 2% 1 l",
      "Kawa mielona 250 g", "Czynne 8–20", "Wyjście", "Zakaz palenia",
      "Rynek Główny", "Sklep spożywczy", "Sok jabłkowy", "Księgarnia"),
     (("Kraków", 50.0647, 19.9450, 219), ("Gdańsk", 54.3520, 18.6466, 10))),
    ("th", "TH", "thai",
     ("ร้านกาแฟ", "ร้านขายยา", "ถนนนิมมานเหมินท์", "นมสด 1 ลิตร",
      "ข้าวหอมมะลิ 5 กก.", "เปิด 8.00–20.00 น.", "ทางออก", "ห้ามสูบบุหรี่",
      "ตลาดวโรรส", "น้ำดื่ม", "ร้านหนังสือ", "ถนนท่าแพ"),
     (("Chiang Mai", 18.7883, 98.9853, 310), ("Bangkok", 13.7563, 100.5018, 2))),
    ("en", "GB", "latin",
     ("Corner Bakery", "Pharmacy", "Deansgate", "Semi-skimmed milk 1 pint",
      "Ground coffee 227 g", "Open 9am – 6pm", "Exit", "No smoking",
      "Oxford Road", "Hardware & Garden", "Orange juice", "Newsagent"),
     (("Manchester", 53.4808, -2.2426, 38), ("Bristol", 51.4545, -2.5879, 11))),
    ("fr", "FR", "latin",
     ("Boulangerie du Marché", "Pharmacie", "Rue de la République", "Lait demi-écrémé 1 L",
      "Café moulu 250 g", "Ouvert de 9 h à 19 h", "Sortie", "Défense de fumer",
      "Place Bellecour", "Quincaillerie", "Jus d'orange", "Librairie"),
     (("Lyon", 45.7640, 4.8357, 173), ("Lille", 50.6292, 3.0573, 20))),
    ("ro", "RO", "latin",
     ("Brutăria Spicul", "Farmacie", "Strada Memorandumului", "Lapte 1,5% 1 L",
      "Cafea măcinată 250 g", "Deschis 8–20", "Ieșire", "Fumatul interzis",
      "Piața Unirii", "Librărie", "Suc de mere", "Magazin alimentar"),
     (("Cluj-Napoca", 46.7712, 23.6236, 360), ("Brașov", 45.6427, 25.5887, 600))),
    ("sv", "SE", "latin",
     ("Bageri Vetekornet", "Apotek", "Kungsportsavenyen", "Mellanmjölk 1 l",
      "Bryggkaffe 450 g", "Öppet 9–18", "Utgång", "Rökning förbjuden",
      "Stora torget", "Järnhandel", "Äppeljuice", "Bokhandel"),
     (("Gothenburg", 57.7089, 11.9746, 12), ("Uppsala", 59.8586, 17.6389, 15))),
    ("et", "EE", "latin",
     ("Pagariäri Kuldne Kõrs", "Apteek", "Rüütli tänav", "Piim 2,5% 1 l",
      "Jahvatatud kohv 250 g", "Avatud 9–18", "Väljapääs", "Suitsetamine keelatud",
      "Raekoja plats", "Raamatupood", "Õunamahl", "Toidupood"),
     (("Tartu", 58.3776, 26.7290, 40), ("Tallinn", 59.4370, 24.7536, 30))),
)

LANGUAGES: tuple[Language, ...] = tuple(
    Language(code, country, script, phrases,
             tuple(Place(name, country, lat, lon, alt) for name, lat, lon, alt in towns))
    for code, country, script, phrases, towns in _LANGUAGE_ROWS
)

LANGUAGE_BY_CODE: dict[str, Language] = {lang.code: lang for lang in LANGUAGES}

# The first seven are always used first so that even small corpora cover them.
CORE_LANGUAGES: tuple[str, ...] = ("pt", "es", "de", "nl", "pl", "th", "en")

# Standard time offset from UTC in minutes, and whether EU summer time applies.
UTC_OFFSETS: dict[str, tuple[int, bool]] = {
    "PT": (0, True), "GB": (0, True), "ES": (60, True), "DE": (60, True), "NL": (60, True),
    "PL": (60, True), "FR": (60, True), "SE": (60, True), "RO": (120, True), "EE": (120, True),
    "TH": (420, False),
}

# make, file-naming style, serial digits, then its models
_CAMERA_MAKES: tuple[tuple[str, str, int, tuple[str, ...]], ...] = (
    ("Canon", "canon", 12, ("Canon EOS 80D", "Canon EOS M50", "Canon PowerShot G7 X Mark III")),
    ("NIKON CORPORATION", "nikon", 7, ("NIKON D7500", "NIKON Z 50")),
    ("SONY", "sony", 7, ("ILCE-6400", "DSC-RX100M5A")),
    ("FUJIFILM", "fuji", 8, ("X-T30",)),
    ("Panasonic", "panasonic", 10, ("DC-GX9",)),
    ("OLYMPUS CORPORATION", "olympus", 9, ("E-M10MarkIII",)),
    ("Apple", "apple", 10, ("iPhone 12",)),
    ("samsung", "samsung", 11, ("SM-G991B",)),
    ("Google", "google", 10, ("Pixel 6",)),
)

CAMERA_MODELS: tuple[CameraModel, ...] = tuple(
    CameraModel(make, model, style, digits)
    for make, style, digits, models in _CAMERA_MAKES for model in models
)

# Captions for overlay variants (watermarks, date stamps); {date} is filled in.
OVERLAY_CAPTIONS: tuple[str, ...] = ("{date}", "© photo archive {year}", "{date} · {phrase}")

# Room types and the furniture kinds drawn in them.
ROOMS: dict[str, tuple[str, ...]] = {
    "living room": ("sofa", "shelf", "plant", "lamp", "table", "cabinet"),
    "kitchen": ("fridge", "cabinet", "table", "plant", "shelf"),
    "study": ("shelf", "table", "lamp", "cabinet", "plant"),
    "office": ("cabinet", "table", "shelf", "plant", "lamp"),
    "hallway": ("cabinet", "plant", "lamp", "shelf"),
    "shop storeroom": ("shelf", "cabinet", "table", "fridge"),
    "café corner": ("table", "plant", "fridge", "shelf", "lamp"),
}

VIEWS: tuple[str, ...] = ("mountains", "sea", "hills", "city", "fields")
PATTERNS: tuple[str, ...] = ("stripes", "dots", "checks", "diamonds", "plain")
FLOORS: tuple[str, ...] = ("planks", "tiles", "carpet")
