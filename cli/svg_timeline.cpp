#include "cli/svg_timeline.h"
#include "cli/output_file.h"

#include "cli/junit.h" // xml_escape
#include "kernel/record.h"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <stdexcept>

namespace cli {

namespace {

constexpr double width = 1200;
constexpr double left = 70;
constexpr double right = 30;
constexpr double plot = width - left - right;
constexpr double top = 64;
constexpr double lane = 60;
constexpr double band_y = 18; // level-0 band, relative to the lane top
constexpr double band_h = 24;
constexpr double inner_y = 22; // deeper levels
constexpr double inner_h = 16;
constexpr double marker_y = 9; // [SER] markers, above the band
constexpr double fb_y = band_y + band_h + 2;

const char* slice_fill(const std::string& cat) {
    if (cat == "user") {
        return "#66bb6a";
    }
    if (cat == "kernel") {
        return "#ffb74d";
    }
    if (cat == "idle") {
        return "#e0e0e0";
    }
    if (cat == "irq") {
        return "#9575cd";
    }
    if (cat == "polled") {
        return "#4db6ac";
    }
    return "#bdbdbd";
}

/// Every IPI kind, in the order of kernel::IpiKind: each has an arrow head and a legend entry.
std::vector<std::string> ipi_kinds() {
    std::vector<std::string> kinds;
    for (int k = 0; k <= static_cast<int>(kernel::IpiKind::sync_rq_state); ++k) {
        kinds.emplace_back(kernel::ipi_kind_name(static_cast<kernel::IpiKind>(k)));
    }
    return kinds;
}

const char* ipi_colour(const std::string& kind) {
    if (kind == "membarrier") {
        return "#c2185b";
    }
    if (kind == "tlb") {
        return "#00838f";
    }
    if (kind == "resched") {
        return "#5d4037";
    }
    return "#455a64";
}

std::string num(double v) {
    return fmt::format("{:.2f}", v);
}

/// A nice tick step (1, 2 or 5 times a power of ten) for about `n` ticks over `span`.
double tick_step(double span, int n) {
    if (span <= 0) {
        return 1;
    }
    const double raw = span / n;
    const double p = std::pow(10.0, std::floor(std::log10(raw)));
    for (const double m : {1.0, 2.0, 5.0, 10.0}) {
        if (m * p >= raw) {
            return m * p;
        }
    }
    return 10 * p;
}

std::string tick_label(double us, double step) {
    int decimals = 0;
    while (decimals < 6 && step * std::pow(10.0, decimals) < 0.999) {
        ++decimals;
    }
    return fmt::format("{:.{}f}", us, decimals);
}

/// The marker of a [SER] kind at (x, y), with a tooltip.
std::string ser_marker(SerKind k, bool redundant, double x, double y, const std::string& tip) {
    const std::string title = "<title>" + xml_escape(tip) + "</title>";
    switch (k) {
    case SerKind::cr3:
        return fmt::format("<path d=\"M{} {} l-5 -8 h10 z\" fill=\"#1565c0\">{}</path>\n", num(x),
                           num(y + 4), title);
    case SerKind::iret:
        return fmt::format("<path d=\"M{} {} l5 5 l-5 5 l-5 -5 z\" fill=\"#6a1b9a\">{}</path>\n",
                           num(x), num(y - 5), title);
    case SerKind::sync_core:
        return redundant ? fmt::format("<circle cx=\"{}\" cy=\"{}\" r=\"5.5\" fill=\"#ff6f00\" "
                                       "stroke=\"#b71c1c\" stroke-width=\"1.5\">{}</circle>\n",
                                       num(x), num(y), title)
                         : fmt::format("<circle cx=\"{}\" cy=\"{}\" r=\"4.5\" fill=\"#212121\">{}"
                                       "</circle>\n",
                                       num(x), num(y), title);
    case SerKind::invlpg:
        return fmt::format("<rect x=\"{}\" y=\"{}\" width=\"8\" height=\"8\" fill=\"#2e7d32\">{}"
                           "</rect>\n",
                           num(x - 4), num(y - 4), title);
    case SerKind::none:
        break;
    }
    return {};
}

// Layout: where everything goes, computed before anything is drawn -------------------------------

/// A tick of the time axis.
struct Tick {
    double x = 0;
    std::string label;
};

/// The picture's geometry: the time scale (from the timeline's `from` to its window's end), the
/// ticks, where the lanes, the axis, the legend and the violation notes go, and the notes' text.
/// Lanes are tracks: track i shows CPU tl.cpu_id(i).
struct Layout {
    explicit Layout(const Timeline& timeline) : tl(timeline) {}
    const Timeline& tl;
    double from_us = 0;
    double end_us = 0;
    double span_us = 0;
    int cpus = 0;
    double axis_y = 0;
    double legend_y = 0;
    double notes_y = 0;
    double height = 0;
    std::vector<Tick> ticks;
    std::vector<std::string> notes;

    double x_of(std::int64_t cycles) const {
        return left + plot * std::clamp((tl.us(cycles) - from_us) / span_us, 0.0, 1.0);
    }
    static double lane_top(int track) { return top + lane * track; }
    /// The middle of a lane's level-0 band (where IPI arrows start and end).
    static double band_middle(int track) { return lane_top(track) + band_y + band_h / 2; }
};

/// Violation notes below the legend: one line per violation plus, for the first few, its call
/// and chain.
std::vector<std::string> violation_notes(const Timeline& tl) {
    std::vector<std::string> notes;
    for (std::size_t i = 0; i < tl.violations.size(); ++i) {
        const auto& v = tl.violations[i];
        notes.push_back(
            v.time >= 0
                ? fmt::format("{} violated: {} on cpu{} at {:.3f} µs (cycle {})", v.property,
                              v.task, v.cpu, tl.us(v.time), v.time)
                : fmt::format("{} violated: {} (found at the end of the run)", v.property, v.call));
        if (i < 4) {
            notes.push_back(
                v.t_a < 0 && v.t_b < 0 && v.t_r < 0
                    ? "    " + v.call
                    : fmt::format("    {} (t_a={}, t_b={}, t_r={})", v.call, v.t_a, v.t_b, v.t_r));
            for (const auto& line : v.chain) {
                notes.push_back("    " + line);
            }
        }
    }
    return notes;
}

/// Warning notes after the violation notes: the first few warnings in one line each (their
/// records are in the trace and in `tlbsim explain`), then how many more.
std::vector<std::string> warning_notes(const Timeline& tl) {
    constexpr std::size_t shown = 8;
    std::vector<std::string> notes;
    for (std::size_t i = 0; i < tl.warnings.size() && i < shown; ++i) {
        notes.push_back("warning " + tl.warnings[i].text);
    }
    if (tl.warnings.size() > shown) {
        notes.push_back(fmt::format("warning: {} more kept in this view (tlbsim explain FILE "
                                    "--policy P warning.Kn lists them with their records)",
                                    tl.warnings.size() - shown));
    }
    return notes;
}

/// About ten ticks at a nice step over the time scale, each at a multiple of the step.
std::vector<Tick> axis_ticks(double from_us, double span_us) {
    const double step = tick_step(span_us, 10);
    const double first = std::ceil(from_us / step) * step;
    std::vector<Tick> ticks;
    for (int i = 0;; ++i) {
        const double us = first + step * i;
        if (us - from_us > span_us * 1.0000001) {
            break;
        }
        ticks.push_back({left + plot * (us - from_us) / span_us, tick_label(us, step)});
    }
    return ticks;
}

Layout lay_out(const Timeline& tl) {
    Layout l(tl);
    l.from_us = tl.us(tl.from);
    l.end_us = tl.us(std::max(tl.window_end(), tl.from));
    l.span_us = std::max(l.end_us - l.from_us, 1e-9);
    l.cpus = tl.cpus();
    l.axis_y = top + lane * l.cpus + 6;
    l.ticks = axis_ticks(l.from_us, l.span_us);
    l.notes = violation_notes(tl);
    for (auto& note : warning_notes(tl)) {
        l.notes.push_back(std::move(note));
    }
    l.legend_y = l.axis_y + 44;
    l.notes_y = l.legend_y + (tl.view.empty() ? 92 : 118);
    l.height = l.notes_y + 16.0 * static_cast<double>(l.notes.size()) + 16;
    return l;
}

/// Where a slice's rectangle goes in its lane.
struct SliceBox {
    double x = 0;
    double y = 0;
    double w = 0;
    double h = 0;
    bool labelled = false; ///< wide enough for its name
};

SliceBox slice_box(const Layout& l, const Slice& sl, double lane_y) {
    SliceBox b;
    b.x = l.x_of(sl.begin);
    b.w = std::max(l.x_of(sl.end) - b.x, 0.75);
    b.y = lane_y + (sl.depth == 0 ? band_y : inner_y);
    b.h = sl.depth == 0 ? band_h : inner_h;
    b.labelled = b.w >= 6.2 * static_cast<double>(sl.name.size()) + 6;
    return b;
}

// Drawing: SVG text from the layout ---------------------------------------------------------------

void draw_header(std::string& s, const Layout& l) {
    const Timeline& tl = l.tl;
    s += "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
    s += fmt::format("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{}\" "
                     "viewBox=\"0 0 {} {}\" font-family=\"DejaVu Sans, Helvetica, Arial, "
                     "sans-serif\" font-size=\"11\">\n",
                     num(width), num(l.height), num(width), num(l.height));
    s += "<defs>\n";
    for (const auto& kind : ipi_kinds()) {
        s += fmt::format("<marker id=\"arrow-{}\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" "
                         "markerWidth=\"7\" markerHeight=\"7\" orient=\"auto-start-reverse\">"
                         "<path d=\"M0 0 L10 5 L0 10 z\" fill=\"{}\"/></marker>\n",
                         kind, ipi_colour(kind));
    }
    s += "</defs>\n";
    s += fmt::format("<rect x=\"0\" y=\"0\" width=\"{}\" height=\"{}\" fill=\"#ffffff\"/>\n",
                     num(width), num(l.height));
    s += fmt::format("<text x=\"{}\" y=\"22\" font-size=\"16\" font-weight=\"bold\">tlbsim: {} "
                     "under {}</text>\n",
                     num(left - 60), xml_escape(tl.scenario), xml_escape(tl.policy));
    s += fmt::format("<text x=\"{}\" y=\"42\" fill=\"#424242\">{} · seed {} · jitter {}% · {} "
                     "GHz · {} cycles ({:.3f} µs) · {} IPI{} · {} · {} warning{}</text>\n",
                     num(left - 60), xml_escape(tl.file), tl.seed, tl.jitter, tl.ghz, tl.end,
                     tl.us(tl.end), tl.flows.size(), tl.flows.size() == 1 ? "" : "s",
                     tl.violations.empty() ? std::string("no violation")
                                           : fmt::format("{} violation{}", tl.violations.size(),
                                                         tl.violations.size() == 1 ? "" : "s"),
                     tl.warnings.size(), tl.warnings.size() == 1 ? "" : "s");
}

void draw_grid_and_axis(std::string& s, const Layout& l) {
    for (const auto& t : l.ticks) {
        s += fmt::format("<line x1=\"{0}\" y1=\"{1}\" x2=\"{0}\" y2=\"{2}\" stroke=\"#eeeeee\"/>\n",
                         num(t.x), num(top - 4), num(l.axis_y));
    }
    s += fmt::format("<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"#616161\"/>\n",
                     num(left), num(l.axis_y), num(left + plot), num(l.axis_y));
    for (const auto& t : l.ticks) {
        s += fmt::format("<line x1=\"{0}\" y1=\"{1}\" x2=\"{0}\" y2=\"{2}\" stroke=\"#616161\"/>"
                         "<text x=\"{0}\" y=\"{3}\" text-anchor=\"middle\">{4}</text>\n",
                         num(t.x), num(l.axis_y), num(l.axis_y + 5), num(l.axis_y + 17), t.label);
    }
    s += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" fill=\"#424242\">time (µs; "
                     "1 µs = {} cycles)</text>\n",
                     num(left + plot / 2), num(l.axis_y + 32), l.tl.ghz * 1000);
}

void draw_slices(std::string& s, const Layout& l, const std::vector<TrackEvent>& track, double y) {
    const Timeline& tl = l.tl;
    for (const auto& sl : track_slices(track)) {
        const SliceBox b = slice_box(l, sl, y);
        const std::string tip =
            fmt::format("{} [{}] {:.3f}–{:.3f} µs (cycles {}–{})", sl.name, sl.cat, tl.us(sl.begin),
                        tl.us(sl.end), sl.begin, sl.end);
        s += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{}\" "
                         "stroke=\"#9e9e9e\" stroke-width=\"0.5\"><title>{}</title></rect>\n",
                         num(b.x), num(b.y), num(b.w), num(b.h), slice_fill(sl.cat),
                         xml_escape(tip));
        if (b.labelled) {
            s += fmt::format("<text x=\"{}\" y=\"{}\" font-size=\"10\" fill=\"#212121\">{}"
                             "</text>\n",
                             num(b.x + 3), num(b.y + b.h / 2 + 3.5), xml_escape(sl.name));
        }
    }
}

void draw_lazy(std::string& s, const Layout& l, const std::vector<Timeline::Lazy>& lazy, double y) {
    for (const auto& lz : lazy) {
        const double x1 = l.x_of(lz.begin);
        const double w = std::max(l.x_of(lz.end) - x1, 0.75);
        s += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"3\" fill=\"#0277bd\">"
                         "<title>lazy TLB on mm {} {:.3f}–{:.3f} µs</title></rect>\n",
                         num(x1), num(y + band_y - 4), num(w), xml_escape(lz.mm), l.tl.us(lz.begin),
                         l.tl.us(lz.end));
    }
}

/// [SER] markers (the first dozen redundant ones labelled) and [FB] ticks.
void draw_instants(std::string& s, const Layout& l, const std::vector<TrackEvent>& track,
                   double y) {
    std::size_t labelled = 0;
    for (const auto& e : track) {
        if (e.type != TrackEvent::Type::instant) {
            continue;
        }
        const double x = l.x_of(e.time);
        const std::string tip =
            fmt::format("{} at {:.3f} µs (cycle {}){}", e.name, l.tl.us(e.time), e.time,
                        e.args.contains("path") ? "\n" + e.args["path"].get<std::string>() : "");
        if (e.cat == "ser") {
            s += ser_marker(e.ser, e.redundant, x, y + marker_y, tip);
            if (e.redundant && labelled++ < 12) {
                s += fmt::format("<text x=\"{}\" y=\"{}\" font-size=\"9\" fill=\"#b71c1c\">"
                                 "redundant</text>\n",
                                 num(x + 8), num(y + marker_y + 3));
            }
        } else if (e.cat == "fb") {
            s += fmt::format("<line x1=\"{0}\" y1=\"{1}\" x2=\"{0}\" y2=\"{2}\" "
                             "stroke=\"#757575\" stroke-width=\"1\"><title>{3}</title></line>\n",
                             num(x), num(y + fb_y), num(y + fb_y + 6), xml_escape(tip));
        }
    }
}

void draw_lane(std::string& s, const Layout& l, int track) {
    const double y = Layout::lane_top(track);
    const auto c = static_cast<std::size_t>(track);
    const int cpu = l.tl.cpu_id(track);
    s += fmt::format("<g id=\"cpu{}\">\n", cpu);
    s += fmt::format("<text x=\"10\" y=\"{}\" font-size=\"13\" font-weight=\"bold\">cpu{}"
                     "</text>\n",
                     num(y + band_y + 17), cpu);
    draw_slices(s, l, l.tl.tracks[c], y);
    draw_lazy(s, l, l.tl.lazy[c], y);
    draw_instants(s, l, l.tl.tracks[c], y);
    s += "</g>\n";
}

void draw_ipis(std::string& s, const Layout& l) {
    for (const auto& f : l.tl.flows) {
        const int from = l.tl.track_of(f.from_cpu);
        const int to = l.tl.track_of(f.to_cpu);
        if (from < 0 || to < 0) {
            continue; // (a view keeps only the flows between shown CPUs)
        }
        s += fmt::format("<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"{}\" "
                         "stroke-width=\"1.6\" marker-end=\"url(#arrow-{})\"><title>{} IPI "
                         "cpu{} → cpu{}, sent {:.3f} µs, handled {:.3f} µs</title></line>\n",
                         num(l.x_of(f.from)), num(Layout::band_middle(from)), num(l.x_of(f.to)),
                         num(Layout::band_middle(to)), ipi_colour(f.kind), f.kind, f.kind,
                         f.from_cpu, f.to_cpu, l.tl.us(f.from), l.tl.us(f.to));
    }
}

/// One violation: the window in which a barrier was owed (when it has one), the violating
/// instruction, and its label.
void draw_violation(std::string& s, const Layout& l, const check::Violation& v, int track) {
    const double y = Layout::lane_top(track);
    const double x = l.x_of(l.tl.violation_time(v));
    if (v.t_a >= 0 && v.time >= 0 && v.t_a <= v.time) {
        const double xa = l.x_of(v.t_a);
        s += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"#e53935\" "
                         "fill-opacity=\"0.18\" stroke=\"#e53935\" stroke-dasharray=\"3 2\">"
                         "<title>{}: no barrier on cpu{} between t_a and the violating "
                         "instruction</title></rect>\n",
                         num(xa), num(y + 2), num(std::max(x - xa, 1.0)), num(lane - 4),
                         xml_escape(v.property), v.cpu);
    }
    s += fmt::format("<line x1=\"{0}\" y1=\"{1}\" x2=\"{0}\" y2=\"{2}\" stroke=\"#d50000\" "
                     "stroke-width=\"2.5\"/>\n",
                     num(x), num(y + 1), num(y + lane - 1));
    s += fmt::format("<circle cx=\"{}\" cy=\"{}\" r=\"7\" fill=\"none\" stroke=\"#d50000\" "
                     "stroke-width=\"2.5\"><title>{} violated by {} at {:.3f} µs: {}</title>"
                     "</circle>\n",
                     num(x), num(y + band_y + band_h / 2), xml_escape(v.property),
                     xml_escape(v.task), l.tl.us(l.tl.violation_time(v)), xml_escape(v.call));
    const bool right_side = x < left + plot * 0.7;
    s += fmt::format("<text x=\"{}\" y=\"{}\" fill=\"#d50000\" font-weight=\"bold\" "
                     "text-anchor=\"{}\">{} violated</text>\n",
                     num(right_side ? x + 9 : x - 9), num(y + lane - 4),
                     right_side ? "start" : "end", xml_escape(v.property));
}

/// A mechanism warning: an orange triangle on the lane's top edge at its time.
std::string warning_marker(double x, double y, const std::string& title) {
    return fmt::format("<path d=\"M{} {} L{} {} L{} {} z\" fill=\"#ef6c00\" stroke=\"#ffffff\" "
                       "stroke-width=\"0.5\"><title>{}</title></path>\n",
                       num(x - 5), num(y), num(x + 5), num(y), num(x), num(y + 8),
                       xml_escape(title));
}

void draw_warnings(std::string& s, const Layout& l) {
    for (const auto& w : l.tl.warnings) {
        if (const int track = l.tl.track_of(w.cpu); track >= 0) {
            s += warning_marker(l.x_of(w.time), Layout::lane_top(track) + 1, w.text);
        }
    }
}

void draw_violations(std::string& s, const Layout& l) {
    for (const auto& v : l.tl.violations) {
        if (const int track = l.tl.track_of(v.cpu); track >= 0) {
            draw_violation(s, l, v, track);
        }
    }
}

/// The legend's first row: the slice colours, the violation window and the lazy-TLB bar.
void draw_slice_legend(std::string& s, double y) {
    double x = left - 60;
    const auto swatch = [&](const char* fill, const char* text) {
        s += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"16\" height=\"11\" fill=\"{}\" "
                         "stroke=\"#9e9e9e\" stroke-width=\"0.5\"/><text x=\"{}\" y=\"{}\">{}"
                         "</text>\n",
                         num(x), num(y), fill, num(x + 20), num(y + 10), text);
        x += 28 + 6.3 * static_cast<double>(std::strlen(text));
    };
    swatch("#66bb6a", "user");
    swatch("#ffb74d", "kernel");
    swatch("#e0e0e0", "idle loop");
    swatch("#9575cd", "interrupt handler");
    swatch("#4db6ac", "IPI work run by polling idle");
    swatch("#e53935", "violation window");
    s += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"16\" height=\"3\" fill=\"#0277bd\"/>"
                     "<text x=\"{}\" y=\"{}\">lazy TLB (mm kept loaded)</text>\n",
                     num(x), num(y + 4), num(x + 20), num(y + 10));
}

/// The legend's second row: the [SER] markers and the [FB] tick.
void draw_marker_legend(std::string& s, double y) {
    double x = left - 60;
    const auto marker = [&](SerKind k, bool redundant, const char* text) {
        s += ser_marker(k, redundant, x + 6, y, text);
        s += fmt::format("<text x=\"{}\" y=\"{}\">{}</text>\n", num(x + 16), num(y + 4), text);
        x += 30 + 6.3 * static_cast<double>(std::strlen(text));
    };
    marker(SerKind::cr3, false, "CR3 write");
    marker(SerKind::iret, false, "IRET");
    marker(SerKind::sync_core, false, "sync_core");
    marker(SerKind::sync_core, true, "sync_core (redundant)");
    marker(SerKind::invlpg, false, "INVLPG");
    s += fmt::format("<line x1=\"{0}\" y1=\"{1}\" x2=\"{0}\" y2=\"{2}\" stroke=\"#757575\"/>"
                     "<text x=\"{3}\" y=\"{4}\">other full barrier</text>\n",
                     num(x + 4), num(y - 5), num(y + 5), num(x + 10), num(y + 4));
}

/// The legend's third row: an IPI arrow of each kind, and the violating instruction's mark.
void draw_ipi_legend(std::string& s, double y) {
    double x = left - 60;
    const char* const head = "IPI, send → handler:";
    s += fmt::format("<text x=\"{}\" y=\"{}\">{}</text>\n", num(x), num(y + 4), head);
    x += 12 + 6.3 * static_cast<double>(std::strlen(head) - 2); // "→" is one glyph, 3 bytes
    for (const auto& kind : ipi_kinds()) {
        s += fmt::format("<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"{}\" "
                         "stroke-width=\"1.6\" marker-end=\"url(#arrow-{})\"/><text x=\"{}\" "
                         "y=\"{}\">{}</text>\n",
                         num(x), num(y), num(x + 26), num(y), ipi_colour(kind), kind, num(x + 32),
                         num(y + 4), kind);
        x += 44 + 6.3 * static_cast<double>(kind.size());
    }
    x += 16;
    s += fmt::format("<line x1=\"{0}\" y1=\"{1}\" x2=\"{0}\" y2=\"{2}\" stroke=\"#d50000\" "
                     "stroke-width=\"2.5\"/><circle cx=\"{0}\" cy=\"{3}\" r=\"5\" fill=\"none\" "
                     "stroke=\"#d50000\" stroke-width=\"2\"/><text x=\"{4}\" y=\"{5}\">violating "
                     "instruction</text>\n",
                     num(x + 6), num(y - 8), num(y + 8), num(y), num(x + 16), num(y + 4));
    x += 150;
    s += warning_marker(x + 6, y - 6, "mechanism warning (K1-K5)");
    s += fmt::format("<text x=\"{}\" y=\"{}\">mechanism warning (K1-K5)</text>\n", num(x + 16),
                     num(y + 4));
}

/// The legend's last row when a view cut the timeline: which part of the run it shows.
void draw_view_legend(std::string& s, const Layout& l, double y) {
    const Timeline& tl = l.tl;
    s += fmt::format("<text x=\"{}\" y=\"{}\" font-weight=\"bold\">view: {} ({:.3f}–{:.3f} µs of "
                     "the run's {:.3f} µs): only what lies inside it is drawn</text>\n",
                     num(left - 60), num(y + 4), xml_escape(tl.view), l.from_us, l.end_us,
                     tl.us(tl.end));
}

/// Violations in red (their explanation lines grey), warnings in the markers' orange.
const char* note_colour(const std::string& note) {
    if (note.starts_with("    ")) {
        return "#424242";
    }
    return note.starts_with("warning") ? "#e65100" : "#d50000";
}

void draw_notes(std::string& s, const Layout& l) {
    for (std::size_t i = 0; i < l.notes.size(); ++i) {
        s += fmt::format("<text x=\"{}\" y=\"{}\" fill=\"{}\" xml:space=\"preserve\">{}</text>\n",
                         num(left - 60), num(l.notes_y + 16.0 * static_cast<double>(i)),
                         note_colour(l.notes[i]), xml_escape(l.notes[i]));
    }
}

} // namespace

std::string render_svg(const Timeline& tl) {
    const Layout l = lay_out(tl);
    std::string s;
    draw_header(s, l);
    draw_grid_and_axis(s, l);
    for (int c = 0; c < l.cpus; ++c) {
        draw_lane(s, l, c);
    }
    draw_ipis(s, l);
    draw_violations(s, l);
    draw_warnings(s, l);
    draw_slice_legend(s, l.legend_y);
    draw_marker_legend(s, l.legend_y + 26);
    draw_ipi_legend(s, l.legend_y + 52);
    if (!tl.view.empty()) {
        draw_view_legend(s, l, l.legend_y + 78);
    }
    draw_notes(s, l);
    s += "</svg>\n";
    return s;
}

void write_svg_file(const Timeline& tl, const std::string& path) {
    write_output_file(path, [&tl](std::ostream& os) { os << render_svg(tl); });
}

} // namespace cli
