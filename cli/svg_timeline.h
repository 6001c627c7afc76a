#pragma once
// `--svg OUT`: a self-contained SVG timeline of one run, readable in any browser or image viewer
// without other tools: one lane per CPU with spans for user code, kernel, idle and interrupt
// handlers (timeline.h), a marker per serializing event by kind (CR3 write, IRET, sync_core,
// INVLPG; redundant sync_cores stand out), ticks for the other full barriers, arrows for IPIs
// coloured by kind, each violation highlighted with the window in which a barrier was owed and
// its explanation, a legend of every colour and mark, and an axis in microseconds. A timeline
// cut by a view (timeline_view.h) is drawn from its `from`, with its CPUs' lanes only, each
// labelled with its CPU, and the legend says which view. Deterministic: the same run gives the
// same bytes.

#include "cli/timeline.h"

#include <string>

namespace cli {

std::string render_svg(const Timeline& tl);

/// Writes the SVG to `path` (throws UserError when it cannot).
void write_svg_file(const Timeline& tl, const std::string& path);

} // namespace cli
