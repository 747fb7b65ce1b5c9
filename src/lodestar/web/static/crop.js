// Draw the crop box on the blurred preview; the form fields (original pixels) are the truth,
// so the tool works without this script. No inline code: the CSP allows scripts from here only.
(function () {
  "use strict";
  const tool = document.getElementById("crop-tool");
  if (!tool) return;
  const img = tool.querySelector("img");
  const box = tool.querySelector(".crop-box");
  const form = tool.querySelector("form");
  const W = Number(tool.dataset.width), H = Number(tool.dataset.height);
  if (!img || !box || !form || !W || !H) return;
  let start = null;

  function point(ev) {
    const r = img.getBoundingClientRect();
    return {
      x: Math.min(Math.max(ev.clientX - r.left, 0), r.width),
      y: Math.min(Math.max(ev.clientY - r.top, 0), r.height),
      r: r,
    };
  }
  function show(a, b) {
    const left = Math.min(a.x, b.x), top = Math.min(a.y, b.y);
    const w = Math.abs(a.x - b.x), h = Math.abs(a.y - b.y);
    box.hidden = false;
    box.style.left = left + "px"; box.style.top = top + "px";  // CSSOM, allowed by the CSP
    box.style.width = w + "px"; box.style.height = h + "px";
    const sx = W / b.r.width, sy = H / b.r.height;
    form.elements.x.value = Math.round(left * sx);
    form.elements.y.value = Math.round(top * sy);
    form.elements.w.value = Math.max(1, Math.min(W - Math.round(left * sx), Math.round(w * sx)));
    form.elements.h.value = Math.max(1, Math.min(H - Math.round(top * sy), Math.round(h * sy)));
  }
  img.addEventListener("pointerdown", function (ev) {
    ev.preventDefault();
    start = point(ev);
    img.setPointerCapture(ev.pointerId);
  });
  img.addEventListener("pointermove", function (ev) { if (start) show(start, point(ev)); });
  img.addEventListener("pointerup", function (ev) {
    if (start) show(start, point(ev));
    start = null;
  });
})();
