#include "cli/timeline_view.h"

#include <limits>
#include <set>

namespace cli {

namespace {

/// The window [from, to] in cycles.
struct Window {
    std::int64_t from = 0;
    std::int64_t to = std::numeric_limits<std::int64_t>::max();
    bool contains(std::int64_t t) const { return from <= t && t <= to; }
};

/// What a timeline keeps besides its slices: which violations and warnings (old index -> new,
/// -1 dropped) and which flows (by id).
struct Kept {
    std::vector<int> violation_index;
    std::vector<int> warning_index;
    std::set<int> flows;
};

/// Cuts one track's event stream to the window, in one pass that keeps the order of the events.
/// The slices open at each point form a stack; a slice is
///   pending  while it began before `from` (it begins at `from` when the window opens),
///   emitted  once its begin is in the output (its end follows, at `to` at the latest),
///   outside  when it begins at or after `to` (neither its begin nor its end is output).
/// The window opens at the first event after `from`, or at `from` but not an end: a slice that
/// ends exactly at `from` has nothing inside the window.
class TrackClipper {
public:
    TrackClipper(Window w, const Kept& kept) : w_(w), kept_(kept) {}

    std::vector<TrackEvent> clip(const std::vector<TrackEvent>& track) {
        for (const auto& e : track) {
            const bool before = e.time < w_.from ||
                                (e.time == w_.from && e.type == TrackEvent::Type::end && !opened_);
            if (!before && !opened_) {
                open_window();
            }
            place(e, before);
        }
        return std::move(out_);
    }

private:
    enum class State { pending, emitted, outside };
    struct Open {
        const TrackEvent* begin;
        State state;
    };

    void open_window() {
        opened_ = true;
        for (auto& o : stack_) {
            if (o.state == State::pending) {
                TrackEvent e = *o.begin;
                e.time = w_.from;
                out_.push_back(std::move(e));
                o.state = State::emitted;
            }
        }
    }

    void place(const TrackEvent& e, bool before) {
        switch (e.type) {
        case TrackEvent::Type::begin:
            if (before) {
                stack_.push_back({&e, State::pending});
            } else if (e.time < w_.to) {
                out_.push_back(e);
                stack_.push_back({&e, State::emitted});
            } else {
                stack_.push_back({&e, State::outside});
            }
            return;
        case TrackEvent::Type::end:
            end(e);
            return;
        default:
            if (!before && e.time <= w_.to) {
                point(e);
            }
            return;
        }
    }

    void end(const TrackEvent& e) {
        if (stack_.empty()) {
            out_.push_back(e); // unmatched: left for track_slices to report, as without a view
            return;
        }
        const State s = stack_.back().state;
        stack_.pop_back();
        if (s == State::emitted) {
            TrackEvent cut = e;
            cut.time = std::min(e.time, w_.to);
            out_.push_back(std::move(cut));
        }
    }

    /// An instant, a violation, a warning or a flow end inside the window.
    void point(const TrackEvent& e) {
        if (e.type == TrackEvent::Type::violation) {
            const int v = kept_.violation_index.at(static_cast<std::size_t>(e.violation));
            if (v >= 0) {
                TrackEvent moved = e;
                moved.violation = v;
                out_.push_back(std::move(moved));
            }
        } else if (e.type == TrackEvent::Type::warning) {
            const int w = kept_.warning_index.at(static_cast<std::size_t>(e.warning));
            if (w >= 0) {
                TrackEvent moved = e;
                moved.warning = w;
                out_.push_back(std::move(moved));
            }
        } else if (e.type == TrackEvent::Type::instant || kept_.flows.count(e.flow) > 0) {
            out_.push_back(e);
        }
    }

    Window w_;
    const Kept& kept_;
    bool opened_ = false;
    std::vector<Open> stack_;
    std::vector<TrackEvent> out_;
};

/// A lazy TLB span cut to the window; nullopt when nothing of it is inside.
std::optional<Timeline::Lazy> clip_lazy(const Timeline::Lazy& lz, Window w) {
    Timeline::Lazy out = lz;
    out.begin = std::max(lz.begin, w.from);
    out.end = std::min(lz.end, w.to);
    const bool empty_span = lz.begin == lz.end;
    if (empty_span ? !w.contains(lz.begin) || lz.begin == w.to : out.begin >= out.end) {
        return std::nullopt;
    }
    return out;
}

/// The violations the view keeps (in `out`), and where each of `tl`'s went.
std::vector<int> keep_violations(const Timeline& tl, const View& view, Window w, Timeline& out) {
    std::vector<int> index;
    for (const auto& v : tl.violations) {
        const bool kept = (v.cpu < 0 || view.shows_cpu(v.cpu)) && w.contains(tl.violation_time(v));
        index.push_back(kept ? static_cast<int>(out.violations.size()) : -1);
        if (kept) {
            out.violations.push_back(v);
        }
    }
    return index;
}

/// The warnings the view keeps (in `out`), and where each of `tl`'s went.
std::vector<int> keep_warnings(const Timeline& tl, const View& view, Window w, Timeline& out) {
    std::vector<int> index;
    for (const auto& warning : tl.warnings) {
        const bool kept = view.shows_cpu(warning.cpu) && w.contains(warning.time);
        index.push_back(kept ? static_cast<int>(out.warnings.size()) : -1);
        if (kept) {
            out.warnings.push_back(warning);
        }
    }
    return index;
}

/// The flows the view keeps (in `out`): both ends inside the window, on shown CPUs.
std::set<int> keep_flows(const Timeline& tl, const View& view, Window w, Timeline& out) {
    std::set<int> ids;
    for (const auto& f : tl.flows) {
        if (w.contains(f.from) && w.contains(f.to) && view.shows_cpu(f.from_cpu) &&
            view.shows_cpu(f.to_cpu)) {
            ids.insert(f.id);
            out.flows.push_back(f);
        }
    }
    return ids;
}

} // namespace

Timeline apply_view(const Timeline& tl, const View& view) {
    if (view.whole_run()) {
        return tl;
    }
    Window w;
    w.from = view.from.value_or(0);
    if (view.to) {
        w.to = *view.to;
    }
    Timeline out;
    out.scenario = tl.scenario;
    out.policy = tl.policy;
    out.file = tl.file;
    out.ghz = tl.ghz;
    out.seed = tl.seed;
    out.jitter = tl.jitter;
    out.end = tl.end;
    out.from = w.from;
    out.to = view.to;
    out.view = view.describe();
    Kept kept;
    kept.violation_index = keep_violations(tl, view, w, out);
    kept.warning_index = keep_warnings(tl, view, w, out);
    kept.flows = keep_flows(tl, view, w, out);
    for (std::size_t i = 0; i < tl.tracks.size(); ++i) {
        const int cpu = tl.cpu_id(static_cast<int>(i));
        if (!view.shows_cpu(cpu)) {
            continue;
        }
        out.cpu_ids.push_back(cpu);
        out.tracks.push_back(TrackClipper(w, kept).clip(tl.tracks[i]));
        auto& lazy = out.lazy.emplace_back();
        for (const auto& lz : tl.lazy.at(i)) {
            if (auto cut = clip_lazy(lz, w)) {
                lazy.push_back(std::move(*cut));
            }
        }
    }
    return out;
}

} // namespace cli
