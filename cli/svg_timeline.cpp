#include "cli/svg_timeline.h"
#include "cli/output_file.h"

#include "cli/junit.h" // xml_escape

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

} // namespace

std::string render_svg(const Timeline& tl) {
    const double end_us = std::max(tl.us(tl.end), 1e-9);
    const auto x_of = [&](std::int64_t cycles) {
        return left + plot * std::clamp(tl.us(cycles) / end_us, 0.0, 1.0);
    };
    const auto lane_top = [&](int cpu) { return top + lane * cpu; };
    const int cpus = tl.cpus();
    const double axis_y = top + lane * cpus + 6;

    // Violation notes below the legend: one line per violation plus its chain (the first few).
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
    const double legend_y = axis_y + 44;
    const double notes_y = legend_y + 66;
    const double height = notes_y + 16.0 * static_cast<double>(notes.size()) + 16;

    std::string s;
    s += "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
    s += fmt::format("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{}\" "
                     "viewBox=\"0 0 {} {}\" font-family=\"DejaVu Sans, Helvetica, Arial, "
                     "sans-serif\" font-size=\"11\">\n",
                     num(width), num(height), num(width), num(height));
    s += "<defs>\n";
    for (const char* kind : {"membarrier", "tlb", "resched", "sync_rq_state"}) {
        s += fmt::format("<marker id=\"arrow-{}\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" "
                         "markerWidth=\"7\" markerHeight=\"7\" orient=\"auto-start-reverse\">"
                         "<path d=\"M0 0 L10 5 L0 10 z\" fill=\"{}\"/></marker>\n",
                         kind, ipi_colour(kind));
    }
    s += "</defs>\n";
    s += fmt::format("<rect x=\"0\" y=\"0\" width=\"{}\" height=\"{}\" fill=\"#ffffff\"/>\n",
                     num(width), num(height));
    s += fmt::format("<text x=\"{}\" y=\"22\" font-size=\"16\" font-weight=\"bold\">tlbsim: {} "
                     "under {}</text>\n",
                     num(left - 60), xml_escape(tl.scenario), xml_escape(tl.policy));
    s += fmt::format("<text x=\"{}\" y=\"42\" fill=\"#424242\">{} · seed {} · jitter {}% · {} "
                     "GHz · {} cycles ({:.3f} µs) · {} IPI{} · {}</text>\n",
                     num(left - 60), xml_escape(tl.file), tl.seed, tl.jitter, tl.ghz, tl.end,
                     tl.us(tl.end), tl.flows.size(), tl.flows.size() == 1 ? "" : "s",
                     tl.violations.empty() ? std::string("no violation")
                                           : fmt::format("{} violation{}", tl.violations.size(),
                                                         tl.violations.size() == 1 ? "" : "s"));

    // Grid and axis.
    const double step = tick_step(end_us, 10);
    std::string axis;
    for (int i = 0;; ++i) {
        const double us = step * i;
        if (us > end_us * 1.0000001) {
            break;
        }
        const double x = left + plot * us / end_us;
        s += fmt::format("<line x1=\"{0}\" y1=\"{1}\" x2=\"{0}\" y2=\"{2}\" stroke=\"#eeeeee\"/>\n",
                         num(x), num(top - 4), num(axis_y));
        axis += fmt::format("<line x1=\"{0}\" y1=\"{1}\" x2=\"{0}\" y2=\"{2}\" stroke=\"#616161\"/>"
                            "<text x=\"{0}\" y=\"{3}\" text-anchor=\"middle\">{4}</text>\n",
                            num(x), num(axis_y), num(axis_y + 5), num(axis_y + 17),
                            tick_label(us, step));
    }
    s += fmt::format("<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"#616161\"/>\n",
                     num(left), num(axis_y), num(left + plot), num(axis_y));
    s += axis;
    s += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" fill=\"#424242\">time (µs; "
                     "1 µs = {} cycles)</text>\n",
                     num(left + plot / 2), num(axis_y + 32), tl.ghz * 1000);

    // Lanes.
    for (int c = 0; c < cpus; ++c) {
        const double y = lane_top(c);
        const auto& track = tl.tracks[static_cast<std::size_t>(c)];
        s += fmt::format("<g id=\"cpu{}\">\n", c);
        s += fmt::format("<text x=\"10\" y=\"{}\" font-size=\"13\" font-weight=\"bold\">cpu{}"
                         "</text>\n",
                         num(y + band_y + 17), c);
        for (const auto& sl : track_slices(track)) {
            const double x1 = x_of(sl.begin);
            const double w = std::max(x_of(sl.end) - x1, 0.75);
            const double ry = y + (sl.depth == 0 ? band_y : inner_y);
            const double rh = sl.depth == 0 ? band_h : inner_h;
            const std::string tip =
                fmt::format("{} [{}] {:.3f}–{:.3f} µs (cycles {}–{})", sl.name, sl.cat,
                            tl.us(sl.begin), tl.us(sl.end), sl.begin, sl.end);
            s +=
                fmt::format("<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{}\" "
                            "stroke=\"#9e9e9e\" stroke-width=\"0.5\"><title>{}</title></rect>\n",
                            num(x1), num(ry), num(w), num(rh), slice_fill(sl.cat), xml_escape(tip));
            if (w >= 6.2 * static_cast<double>(sl.name.size()) + 6) {
                s += fmt::format("<text x=\"{}\" y=\"{}\" font-size=\"10\" fill=\"#212121\">{}"
                                 "</text>\n",
                                 num(x1 + 3), num(ry + rh / 2 + 3.5), xml_escape(sl.name));
            }
        }
        for (const auto& lz : tl.lazy[static_cast<std::size_t>(c)]) {
            const double x1 = x_of(lz.begin);
            const double w = std::max(x_of(lz.end) - x1, 0.75);
            s += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"3\" fill=\"#0277bd\">"
                             "<title>lazy TLB on mm {} {:.3f}–{:.3f} µs</title></rect>\n",
                             num(x1), num(y + band_y - 4), num(w), xml_escape(lz.mm),
                             tl.us(lz.begin), tl.us(lz.end));
        }
        std::size_t labelled = 0;
        for (const auto& e : track) {
            if (e.type != TrackEvent::Type::instant) {
                continue;
            }
            const double x = x_of(e.time);
            const std::string tip = fmt::format(
                "{} at {:.3f} µs (cycle {}){}", e.name, tl.us(e.time), e.time,
                e.args.contains("path") ? "\n" + e.args["path"].get<std::string>() : "");
            if (e.cat == "ser") {
                s += ser_marker(e.ser, e.redundant, x, y + marker_y, tip);
                if (e.redundant && labelled++ < 12) {
                    s += fmt::format("<text x=\"{}\" y=\"{}\" font-size=\"9\" fill=\"#b71c1c\">"
                                     "redundant</text>\n",
                                     num(x + 8), num(y + marker_y + 3));
                }
            } else if (e.cat == "fb") {
                s +=
                    fmt::format("<line x1=\"{0}\" y1=\"{1}\" x2=\"{0}\" y2=\"{2}\" "
                                "stroke=\"#757575\" stroke-width=\"1\"><title>{3}</title></line>\n",
                                num(x), num(y + fb_y), num(y + fb_y + 6), xml_escape(tip));
            }
        }
        s += "</g>\n";
    }

    // IPIs.
    for (const auto& f : tl.flows) {
        const double x1 = x_of(f.from);
        const double y1 = lane_top(f.from_cpu) + band_y + band_h / 2;
        const double x2 = x_of(f.to);
        const double y2 = lane_top(f.to_cpu) + band_y + band_h / 2;
        s += fmt::format("<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"{}\" "
                         "stroke-width=\"1.6\" marker-end=\"url(#arrow-{})\"><title>{} IPI "
                         "cpu{} → cpu{}, sent {:.3f} µs, handled {:.3f} µs</title></line>\n",
                         num(x1), num(y1), num(x2), num(y2), ipi_colour(f.kind), f.kind, f.kind,
                         f.from_cpu, f.to_cpu, tl.us(f.from), tl.us(f.to));
    }

    // Violations: the window in which a barrier was owed, and the violating instruction.
    for (const auto& v : tl.violations) {
        if (v.cpu < 0 || v.cpu >= cpus) {
            continue;
        }
        const double y = lane_top(v.cpu);
        const double x = x_of(tl.violation_time(v));
        if (v.t_a >= 0 && v.time >= 0 && v.t_a <= v.time) {
            const double xa = x_of(v.t_a);
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
                         xml_escape(v.task), tl.us(tl.violation_time(v)), xml_escape(v.call));
        const bool right_side = x < left + plot * 0.7;
        s += fmt::format("<text x=\"{}\" y=\"{}\" fill=\"#d50000\" font-weight=\"bold\" "
                         "text-anchor=\"{}\">{} violated</text>\n",
                         num(right_side ? x + 9 : x - 9), num(y + lane - 4),
                         right_side ? "start" : "end", xml_escape(v.property));
    }

    // Legend.
    double lx = left - 60;
    const double ly = legend_y;
    const auto swatch = [&](const char* fill, const char* text) {
        s += fmt::format(
            "<rect x=\"{}\" y=\"{}\" width=\"16\" height=\"11\" fill=\"{}\" "
            "stroke=\"#9e9e9e\" stroke-width=\"0.5\"/><text x=\"{}\" y=\"{}\">{}</text>\n",
            num(lx), num(ly), fill, num(lx + 20), num(ly + 10), text);
        lx += 28 + 6.3 * static_cast<double>(std::strlen(text));
    };
    swatch("#66bb6a", "user");
    swatch("#ffb74d", "kernel");
    swatch("#e0e0e0", "idle loop");
    swatch("#9575cd", "interrupt handler");
    swatch("#4db6ac", "IPI work run by polling idle");
    swatch("#e53935", "violation window");
    s += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"16\" height=\"3\" fill=\"#0277bd\"/>"
                     "<text x=\"{}\" y=\"{}\">lazy TLB (mm kept loaded)</text>\n",
                     num(lx), num(ly + 4), num(lx + 20), num(ly + 10));
    lx = left - 60;
    const double my = ly + 26;
    const auto marker = [&](SerKind k, bool redundant, const char* text) {
        s += ser_marker(k, redundant, lx + 6, my, text);
        s += fmt::format("<text x=\"{}\" y=\"{}\">{}</text>\n", num(lx + 16), num(my + 4), text);
        lx += 30 + 6.3 * static_cast<double>(std::strlen(text));
    };
    marker(SerKind::cr3, false, "CR3 write");
    marker(SerKind::iret, false, "IRET");
    marker(SerKind::sync_core, false, "sync_core");
    marker(SerKind::sync_core, true, "sync_core (redundant)");
    marker(SerKind::invlpg, false, "INVLPG");
    s += fmt::format("<line x1=\"{0}\" y1=\"{1}\" x2=\"{0}\" y2=\"{2}\" stroke=\"#757575\"/>"
                     "<text x=\"{3}\" y=\"{4}\">other full barrier</text>\n",
                     num(lx + 4), num(my - 5), num(my + 5), num(lx + 10), num(my + 4));
    lx += 130;
    s += fmt::format(
        "<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"{}\" stroke-width=\"1.6\" "
        "marker-end=\"url(#arrow-tlb)\"/><text x=\"{}\" y=\"{}\">IPI (send → handler)"
        "</text>\n",
        num(lx), num(my), num(lx + 26), num(my), ipi_colour("tlb"), num(lx + 32), num(my + 4));

    for (std::size_t i = 0; i < notes.size(); ++i) {
        s +=
            fmt::format("<text x=\"{}\" y=\"{}\" fill=\"{}\" xml:space=\"preserve\">{}</text>\n",
                        num(left - 60), num(notes_y + 16.0 * static_cast<double>(i)),
                        notes[i].starts_with("    ") ? "#424242" : "#d50000", xml_escape(notes[i]));
    }
    s += "</svg>\n";
    return s;
}

void write_svg_file(const Timeline& tl, const std::string& path) {
    write_output_file(path, [&tl](std::ostream& os) { os << render_svg(tl); });
}

} // namespace cli
