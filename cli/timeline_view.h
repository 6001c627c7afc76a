#pragma once
// A view (view.h) applied to a built timeline, for --svg and --trace: results first, the
// renderers then draw whatever timeline they are given. A pure function of the timeline and
// the view:
//
//   * tracks of CPUs the view hides are dropped (cpu_ids says which CPU each remaining one is);
//   * slices are cut to the window [from, to]: one open across `from` begins at `from`, one open
//     at `to` ends at `to`, one that ends at or before `from` or begins at or after `to` is
//     dropped; the begin/end order is kept, so the nesting stays valid (track_slices succeeds);
//   * instants and violations are kept when their time is inside the window (violations also
//     need their CPU shown); lazy TLB spans are cut like slices;
//   * an IPI flow is kept only when both its ends are inside the window and on shown CPUs.
//
// Times stay absolute (cycles since the start of the run): the trace keeps them, and the SVG's
// time scale starts at the timeline's `from`.

#include "cli/timeline.h"
#include "cli/view.h"

namespace cli {

/// The part of `tl`, a built timeline of the whole run, that `view` shows (its window and CPUs;
/// its tasks are -v's only). With no window and no CPU list, a copy of `tl`.
Timeline apply_view(const Timeline& tl, const View& view);

} // namespace cli
