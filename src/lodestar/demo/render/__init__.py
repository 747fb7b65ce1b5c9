"""The drawing parts both demo scene renderers are made of.

:mod:`lodestar.demo.scenes` (the corpus rooms, planned as a ``SceneSpec`` in fractions of the
frame) and :mod:`lodestar.demo.photos` (quick scenes in pixels for tests and benchmarks) compose
them. Shared by both: colours and shading (:mod:`.paint`), lettered labels (:mod:`.text`),
ridges (:mod:`.terrain`), book spines (:mod:`.furniture`), glazed windows (:mod:`.window`),
landscapes (:mod:`.views`) and light (:mod:`.light`). The corpus rooms add wallpaper, floors,
wall signs and furniture pieces; the photo scenes' kinds are :mod:`.boxroom`, :mod:`.street`,
:mod:`.shapes` and :func:`.views.landscape`, lettered by :mod:`.stencil` on :mod:`.texture`.

A part takes plain values and the caller's random generator and draws from it in a fixed order,
so each caller's sequence of draws, and with it every byte it renders, stays its own: where the
two renderers draw the same kind of thing differently (a sky, a floor, a table), both ways are
kept rather than one made to serve both at the cost of changed pixels.
"""
