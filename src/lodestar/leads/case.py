"""A lead as CASE/UCO JSON-LD: the machine-readable half of a lead package.

The graph: the lead is a ``case-investigation:Investigation``; each media a
``uco-observable:File`` (file name, size, MD5/SHA-1/SHA-256, MIME, picture size); each series a
``uco-core:Grouping`` of its files; each chosen clue a ``uco-core:Annotation`` on its file (and a
``uco-location:Location`` for places), produced by an ``InvestigativeAction`` whose instrument
is the extractor (``uco-tool:Tool`` with its version) — the clue's provenance; the country
choice an Annotation on the target Location; the target agency a ``uco-identity:Organization``.
Node ids are UUIDv5 under the lead's uid, so the same lead gives the same ids every time.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

CONTEXT: dict[str, str] = {
    "kb": "urn:lodestar:kb:",
    "case-investigation": "https://ontology.caseontology.org/case/investigation/",
    "uco-action": "https://ontology.unifiedcyberontology.org/uco/action/",
    "uco-core": "https://ontology.unifiedcyberontology.org/uco/core/",
    "uco-identity": "https://ontology.unifiedcyberontology.org/uco/identity/",
    "uco-location": "https://ontology.unifiedcyberontology.org/uco/location/",
    "uco-observable": "https://ontology.unifiedcyberontology.org/uco/observable/",
    "uco-tool": "https://ontology.unifiedcyberontology.org/uco/tool/",
    "uco-types": "https://ontology.unifiedcyberontology.org/uco/types/",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
}
_HASHES = (("md5", "MD5"), ("sha1", "SHA1"), ("sha256", "SHA256"))


def _typed(kind: str, value: object) -> dict[str, str]:
    return {"@type": f"xsd:{kind}", "@value": str(value)}


def _ref(node_id: str) -> dict[str, str]:
    return {"@id": node_id}


@dataclass
class _Graph:
    namespace: uuid.UUID
    nodes: list[dict[str, Any]] = field(default_factory=list)

    def node_id(self, kind: str, key: str) -> str:
        return f"kb:{kind}-{uuid.uuid5(self.namespace, f'{kind}:{key}')}"

    def add(self, node: dict[str, Any]) -> str:
        self.nodes.append(node)
        return str(node["@id"])


def case_document(content: dict[str, Any]) -> dict[str, Any]:
    """JSON-LD for ``content`` (see ``lodestar.leads.content.collect``: lead, series, media,
    clues, created_at, tool_version)."""
    lead = content["lead"]
    g = _Graph(uuid.UUID(lead["uid"]))
    files = {m["sha256"]: _file(g, m) for m in content["media"]}
    groups = [_series(g, s, files) for s in content["series"]]
    notes = _clues(g, content["clues"], files, content["tool_version"])
    target = _target(g, lead)
    objects = [*files.values(), *groups, *notes, *target]
    g.add(
        {
            "@id": g.node_id("investigation", lead["uid"]),
            "@type": "case-investigation:Investigation",
            "uco-core:name": f"Lead {lead['id']}: {lead['title']}",
            "uco-core:description": lead["summary"] or lead["title"],
            "case-investigation:focus": "victim identification",
            "uco-core:object": [_ref(i) for i in objects],
        }
    )
    _package_action(g, content, list(files.values()))
    return {"@context": CONTEXT, "@graph": g.nodes}


def _file(g: _Graph, m: dict[str, Any]) -> str:
    sha = m["sha256"]
    hashes = [
        {
            "@id": g.node_id("hash", f"{sha}:{name}"),
            "@type": "uco-types:Hash",
            "uco-types:hashMethod": label,
            "uco-types:hashValue": _typed("hexBinary", m[name].upper()),
        }
        for name, label in _HASHES
        if m.get(name)
    ]
    facets: list[dict[str, Any]] = [
        {
            "@id": g.node_id("file-facet", sha),
            "@type": "uco-observable:FileFacet",
            "uco-observable:fileName": m["file_names"][0] if m["file_names"] else sha,
            "uco-observable:sizeInBytes": _typed("integer", m["size"]),
        },
        {
            "@id": g.node_id("content-facet", sha),
            "@type": "uco-observable:ContentDataFacet",
            "uco-observable:mimeType": m["mime"],
            "uco-observable:sizeInBytes": _typed("integer", m["size"]),
            "uco-observable:hash": hashes,
        },
    ]
    if m.get("width") and m.get("height"):
        facets.append(
            {
                "@id": g.node_id("picture-facet", sha),
                "@type": "uco-observable:RasterPictureFacet",
                "uco-observable:pictureWidth": _typed("integer", m["width"]),
                "uco-observable:pictureHeight": _typed("integer", m["height"]),
            }
        )
    return g.add(
        {"@id": g.node_id("file", sha), "@type": "uco-observable:File", "uco-core:hasFacet": facets}
    )


def _series(g: _Graph, s: dict[str, Any], files: dict[str, str]) -> str:
    name = f"Series {s['id']}" + (f" ({s['name']})" if s.get("name") else "")
    return g.add(
        {
            "@id": g.node_id("series", str(s["id"])),
            "@type": "uco-core:Grouping",
            "uco-core:name": name,
            "uco-core:context": ["media series (same scene, camera or set of images)"],
            "uco-core:object": [_ref(files[sha]) for sha in s["members"] if sha in files],
        }
    )


def _location(g: _Graph, key: str, country: str | None, lat: Any, lon: Any) -> str:
    facets: list[dict[str, Any]] = []
    if country:
        facets.append(
            {
                "@id": g.node_id("address", key),
                "@type": "uco-location:SimpleAddressFacet",
                "uco-location:country": country,
            }
        )
    if lat is not None and lon is not None:
        facets.append(
            {
                "@id": g.node_id("latlong", key),
                "@type": "uco-location:LatLongCoordinatesFacet",
                "uco-location:latitude": _typed("decimal", lat),
                "uco-location:longitude": _typed("decimal", lon),
            }
        )
    node: dict[str, Any] = {"@id": g.node_id("location", key), "@type": "uco-location:Location"}
    if facets:
        node["uco-core:hasFacet"] = facets
    return g.add(node)


def _clues(
    g: _Graph, clues: Iterable[dict[str, Any]], files: dict[str, str], tool_version: str
) -> list[str]:
    out: list[str] = []
    by_tool: dict[tuple[str, str], tuple[list[str], list[str]]] = {}
    for clue in clues:
        file_id = files.get(clue["media"])
        if file_id is None:
            continue
        objects = [_ref(file_id)]
        value = clue.get("value") or {}
        if clue["kind"] in ("place", "gps"):
            loc = _location(
                g,
                f"clue:{clue['id']}",
                value.get("country_code"),
                value.get("lat"),
                value.get("lon"),
            )
            objects.append(_ref(loc))
            out.append(loc)
        note = g.add(
            {
                "@id": g.node_id("clue", str(clue["id"])),
                "@type": "uco-core:Annotation",
                "uco-core:statement": f"{clue['kind']}: {clue['text']}",
                "uco-core:tag": [clue["kind"]],
                "uco-core:object": objects,
            }
        )
        out.append(note)
        used, made = by_tool.setdefault((clue["extractor"], clue["extractor_version"]), ([], []))
        used.append(file_id)
        made.append(note)
    for (name, version), (used, made) in sorted(by_tool.items()):
        tool = g.add(
            {
                "@id": g.node_id("tool", f"{name}:{version}"),
                "@type": "uco-tool:Tool",
                "uco-core:name": f"lodestar extractor {name}",
                "uco-tool:version": version,
            }
        )
        g.add(
            {
                "@id": g.node_id("action", f"{name}:{version}"),
                "@type": "case-investigation:InvestigativeAction",
                "uco-core:name": f"clue extraction by {name} {version} (Lodestar {tool_version})",
                "uco-action:instrument": _ref(tool),
                "uco-action:object": [_ref(i) for i in sorted(set(used))],
                "uco-action:result": [_ref(i) for i in made],
            }
        )
    return out


def _target(g: _Graph, lead: dict[str, Any]) -> list[str]:
    reasoning = lead.get("country_reasoning") or {}
    loc = _location(g, f"target:{lead['country']}", lead["country"], None, None)
    suggested = [r["country"] for r in reasoning.get("suggested", {}).get("countries", [])]
    statement = (
        f"Target country {lead['country']} chosen by the analyst"
        + (f"; suggested ranking: {', '.join(suggested)}" if suggested else "")
        + (f"; note: {reasoning['note']}" if reasoning.get("note") else "")
    )
    out = [
        loc,
        g.add(
            {
                "@id": g.node_id("reasoning", lead["uid"]),
                "@type": "uco-core:Annotation",
                "uco-core:statement": statement,
                "uco-core:object": [_ref(loc)],
            }
        ),
    ]
    if lead.get("agency"):
        out.append(
            g.add(
                {
                    "@id": g.node_id("agency", lead["agency"]),
                    "@type": "uco-identity:Organization",
                    "uco-core:name": lead["agency"],
                }
            )
        )
    return out


def _package_action(g: _Graph, content: dict[str, Any], files: list[str]) -> None:
    tool = g.add(
        {
            "@id": g.node_id("tool", "lodestar"),
            "@type": "uco-tool:Tool",
            "uco-core:name": "Lodestar",
            "uco-tool:version": content["tool_version"],
        }
    )
    g.add(
        {
            "@id": g.node_id("package-action", content["created_at"]),
            "@type": "case-investigation:InvestigativeAction",
            "uco-core:name": "lead package",
            "uco-action:startTime": _typed("dateTime", content["created_at"]),
            "uco-action:instrument": _ref(tool),
            "uco-action:object": [_ref(i) for i in files],
        }
    )
