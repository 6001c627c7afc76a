#include "cli/timeline.h"

#include "cli/explain.h"
#include "kernel/kernel_state.h"
#include "kernel/record_kinds.h"
#include "kernel/record_text.h"

#include <fmt/format.h>

#include <algorithm>
#include <deque>
#include <map>
#include <stdexcept>
#include <unordered_map>

namespace cli {

using kernel::Fn;
using kernel::RecordKind;
namespace rec = kernel::rec;

std::string_view ser_kind_name(SerKind k) {
    switch (k) {
    case SerKind::none:
        return "none";
    case SerKind::cr3:
        return "cr3";
    case SerKind::invlpg:
        return "invlpg";
    case SerKind::iret:
        return "iret";
    case SerKind::sync_core:
        return "sync_core";
    }
    return "?";
}

SerKind ser_kind(const kernel::Record& r) {
    if (!kernel::is_serializing(r)) {
        return SerKind::none;
    }
    switch (r.kind) {
    case RecordKind::cr3_write:
        return SerKind::cr3;
    case RecordKind::invlpg:
        return SerKind::invlpg;
    case RecordKind::sync_core:
        return SerKind::sync_core;
    default:
        return SerKind::iret;
    }
}

std::vector<Slice> track_slices(const std::vector<TrackEvent>& track) {
    std::vector<Slice> out;
    std::vector<std::size_t> open;
    for (const auto& e : track) {
        if (e.type == TrackEvent::Type::begin) {
            open.push_back(out.size());
            out.push_back(
                {e.time, e.time, static_cast<int>(open.size()) - 1, e.name, e.cat, e.args});
        } else if (e.type == TrackEvent::Type::end) {
            if (open.empty()) {
                throw std::logic_error("timeline: an end event without a begin");
            }
            out[open.back()].end = e.time;
            open.pop_back();
        }
    }
    if (!open.empty()) {
        throw std::logic_error("timeline: a slice was never closed");
    }
    return out;
}

namespace {

/// Records that get an instant event of category "event" (besides [SER] and [FB]).
const char* event_name(RecordKind k) {
    switch (k) {
    case RecordKind::rq_curr_store:
        return "rq->curr store";
    case RecordKind::task_mm_store:
        return "tsk->mm store";
    case RecordKind::enter_lazy:
        return "enter lazy TLB";
    case RecordKind::unlazy:
        return "unlazy";
    case RecordKind::tlb_flush:
        return "TLB flush";
    case RecordKind::tlb_refill:
        return "TLB refill";
    case RecordKind::membarrier_read:
        return "membarrier reads rq->curr";
    case RecordKind::membarrier_return:
        return "membarrier returns";
    case RecordKind::barrier_call_start:
        return "membarrier t_a (entry barrier done)";
    case RecordKind::barrier_call_end:
        return "membarrier t_b (exit barrier done)";
    case RecordKind::rcu_sync:
        return "synchronize_rcu";
    case RecordKind::mm_free:
        return "mm freed";
    default:
        return nullptr;
    }
}

bool wants_text(const kernel::Record& r) {
    return kernel::is_full_barrier(r) || event_name(r.kind) != nullptr;
}

} // namespace

TimelineRecorder::TimelineRecorder(int cpus) : cpus_(cpus), redundancy_(cpus) {}

void TimelineRecorder::note_task(int id) {
    if (id < 0 || ks_ == nullptr) {
        return;
    }
    const auto i = static_cast<std::size_t>(id);
    if (i >= tasks_.size()) {
        tasks_.resize(i + 1);
    }
    if (tasks_[i].name.empty() && i < ks_->tasks.size()) {
        tasks_[i].name = ks_->tasks[i]->name;
        tasks_[i].idle = ks_->tasks[i]->idle;
        tasks_[i].kthread = ks_->tasks[i]->kthread;
    }
}

void TimelineRecorder::note_mm(int id) {
    if (id < 0 || ks_ == nullptr) {
        return;
    }
    const auto i = static_cast<std::size_t>(id);
    if (i >= mms_.size()) {
        mms_.resize(i + 1);
    }
    if (mms_[i].empty() && i < ks_->mms.size()) {
        mms_[i] = ks_->mms[i]->name;
    }
}

void TimelineRecorder::on_start(const kernel::KernelState& ks, const kernel::Trace& trace) {
    ks_ = &ks;
    trace_ = &trace;
    idle_task_.assign(static_cast<std::size_t>(cpus_), -1);
    for (int c = 0; c < cpus_ && c < ks.nr_cpus(); ++c) {
        const auto* idle = ks.rqs[static_cast<std::size_t>(c)].idle;
        idle_task_[static_cast<std::size_t>(c)] = idle != nullptr ? idle->id : -1;
    }
    for (std::size_t i = 0; i < ks.tasks.size(); ++i) {
        note_task(static_cast<int>(i));
    }
}

void TimelineRecorder::on_record(const kernel::Record& r) {
    redundancy_.on_record(r);
    note_task(r.task);
    note_mm(r.mm);
    if (r.kind == RecordKind::context_switch) {
        note_task(rec::next_task(r));
    }
    if (r.path >= paths_.size()) {
        paths_.resize(r.path + 1);
    }
    PathInfo& p = paths_[r.path];
    if (!p.known && trace_ != nullptr) {
        p.known = true;
        for (const auto f : trace_->path(r.path)) {
            const auto fn = static_cast<Fn>(f);
            p.in_schedule = p.in_schedule || fn == Fn::__schedule;
            p.polled = p.polled || fn == Fn::flush_smp_call_function_queue;
        }
        p.text = trace_->format_path(r.path);
    }
    Stored s{r, redundancy_.last_was_redundant(), {}};
    if (wants_text(r) && ks_ != nullptr) {
        kernel::RecordText text;
        text.attach(*ks_);
        s.text = text.describe(r);
    }
    records_.push_back(std::move(s));
}

/// Turns the stored records of a run into per-CPU track events (see timeline.h).
class TimelineBuilder {
public:
    TimelineBuilder(const TimelineRecorder& rec, Timeline& tl) : rec_(rec), tl_(tl) {}

    void build() {
        const std::size_t cpus = tl_.tracks.size();
        std::vector<std::vector<std::size_t>> per_cpu(cpus);
        for (std::size_t i = 0; i < rec_.records_.size(); ++i) {
            const int c = rec_.records_[i].r.cpu;
            if (c >= 0 && static_cast<std::size_t>(c) < cpus) {
                per_cpu[static_cast<std::size_t>(c)].push_back(i);
            }
        }
        match_ipis();
        const auto findings = findings_by_cpu(cpus);
        for (std::size_t c = 0; c < cpus; ++c) {
            build_track(static_cast<int>(c), per_cpu[c], findings[c]);
        }
    }

private:
    using Stored = TimelineRecorder::Stored;

    /// A violation or a warning to mark on its CPU's track.
    struct Finding {
        std::int64_t time = 0;
        bool warning = false;
        int index = 0; ///< into Timeline::violations or Timeline::warnings
    };

    /// Each CPU's findings in time order (at equal times violations first, each kind in report
    /// order).
    std::vector<std::vector<Finding>> findings_by_cpu(std::size_t cpus) const {
        std::vector<std::vector<Finding>> out(cpus);
        const auto add = [&](int cpu, Finding f) {
            if (cpu >= 0 && static_cast<std::size_t>(cpu) < cpus) {
                out[static_cast<std::size_t>(cpu)].push_back(f);
            }
        };
        for (std::size_t v = 0; v < tl_.violations.size(); ++v) {
            const auto& rep = tl_.violations[v];
            add(rep.cpu, {tl_.violation_time(rep), false, static_cast<int>(v)});
        }
        for (std::size_t w = 0; w < tl_.warnings.size(); ++w) {
            add(tl_.warnings[w].cpu, {tl_.warnings[w].time, true, static_cast<int>(w)});
        }
        for (auto& fs : out) {
            std::stable_sort(fs.begin(), fs.end(),
                             [](const Finding& a, const Finding& b) { return a.time < b.time; });
        }
        return out;
    }

    struct Open {
        std::string name;
        std::string cat;
    };
    enum class Mode { user, kernel };
    enum class IdlePhase { loop, sched };

    /// Pairs each ipi_send with the ipi_handler it caused: per (sender, target), first in first
    /// out. A send whose handler never ran (the run ended first) gets no flow.
    void match_ipis() {
        std::map<std::pair<int, int>, std::deque<std::size_t>> pending;
        for (std::size_t i = 0; i < rec_.records_.size(); ++i) {
            const auto& r = rec_.records_[i].r;
            if (r.kind == RecordKind::ipi_send) {
                pending[{r.cpu, rec::ipi_target(r)}].push_back(i);
            } else if (r.kind == RecordKind::ipi_handler) {
                auto& q = pending[{rec::ipi_sender(r), r.cpu}];
                if (q.empty()) {
                    continue;
                }
                const std::size_t send = q.front();
                q.pop_front();
                const auto& s = rec_.records_[send].r;
                Timeline::Flow f;
                f.id = static_cast<int>(tl_.flows.size());
                f.kind = std::string(kernel::ipi_kind_name(rec::ipi_kind(s)));
                f.from_cpu = s.cpu;
                f.from = s.time.count();
                f.to_cpu = r.cpu;
                f.to = r.time.count();
                flow_of_[send] = f.id;
                flow_of_[i] = f.id;
                tl_.flows.push_back(f);
            }
        }
    }

    const std::string& task_name(int id) const {
        static const std::string none = "-";
        if (id < 0 || static_cast<std::size_t>(id) >= rec_.tasks_.size()) {
            return none;
        }
        return rec_.tasks_[static_cast<std::size_t>(id)].name;
    }
    bool is_idle(int id) const {
        return id >= 0 && static_cast<std::size_t>(id) < rec_.tasks_.size() &&
               rec_.tasks_[static_cast<std::size_t>(id)].idle;
    }
    const TimelineRecorder::PathInfo& path(const Stored& s) const { return rec_.paths_[s.r.path]; }
    bool in_schedule(const Stored& s) const {
        return s.r.kind == RecordKind::context_switch || path(s).in_schedule;
    }
    /// __schedule starts by taking the rq lock: a new scheduling pass, not a continuation.
    static bool starts_schedule(const Stored& s) {
        return rec::is_atomic(s.r, kernel::AtomicOp::rq_lock) && s.r.site == Fn::__schedule;
    }
    bool continues_schedule(const Stored* next) const {
        return next != nullptr && in_schedule(*next) && !starts_schedule(*next);
    }

    // Track output ---------------------------------------------------------------------------

    void begin(std::int64_t t, std::string name, std::string cat, Json args = Json::object()) {
        TrackEvent e;
        e.type = TrackEvent::Type::begin;
        e.time = t;
        e.name = name;
        e.cat = cat;
        e.args = std::move(args);
        out_->push_back(std::move(e));
        stack_.push_back({std::move(name), std::move(cat)});
    }
    void end_to(std::size_t depth, std::int64_t t) {
        while (stack_.size() > depth) {
            TrackEvent e;
            e.type = TrackEvent::Type::end;
            e.time = t;
            e.name = stack_.back().name;
            e.cat = stack_.back().cat;
            out_->push_back(std::move(e));
            stack_.pop_back();
        }
    }
    bool top_is(const char* cat) const { return !stack_.empty() && stack_.back().cat == cat; }

    void open_kernel(std::int64_t t, int task, Json args = Json::object()) {
        args["task"] = task_name(task);
        begin(t, task_name(task) + " (kernel)", "kernel", std::move(args));
    }
    void open_idle(std::int64_t t, int task) {
        begin(t, "idle", "idle", Json{{"task", task_name(task)}});
    }

    void instant(const Stored& s) {
        const auto& r = s.r;
        const bool ser = kernel::is_serializing(r);
        const bool fb = kernel::is_full_barrier(r);
        const char* ev = event_name(r.kind);
        if (!fb && ev == nullptr) {
            return;
        }
        TrackEvent e;
        e.type = TrackEvent::Type::instant;
        e.time = r.time.count();
        const std::string site = r.site == Fn::none ? "" : std::string(kernel::fn_name(r.site));
        if (fb) {
            e.name = fmt::format("[{}] {}{}{}", ser ? "SER" : "FB", record_head(r),
                                 site.empty() ? "" : " @", site);
            e.cat = ser ? "ser" : "fb";
            e.ser = ser_kind(r);
            e.redundant = s.redundant;
            if (s.redundant) {
                e.name += " (redundant)";
            }
        } else {
            e.name = ev;
            e.cat = "event";
        }
        e.args["what"] = s.text;
        e.args["task"] = task_name(r.task);
        if (!site.empty()) {
            e.args["site"] = site;
        }
        if (!path(s).text.empty()) {
            e.args["path"] = path(s).text;
        }
        if (fb || r.kind == RecordKind::tlb_refill) {
            e.args["cost_cycles"] = r.cost.count();
        }
        if (s.redundant) {
            e.args["redundant"] = true;
        }
        e.args["cycle"] = r.time.count();
        e.args["seq"] = r.seq;
        out_->push_back(std::move(e));
    }

    void flow(const Stored& s, std::size_t index) {
        const auto it = flow_of_.find(index);
        if (it == flow_of_.end()) {
            return;
        }
        const auto& f = tl_.flows[static_cast<std::size_t>(it->second)];
        TrackEvent e;
        e.type = s.r.kind == RecordKind::ipi_send ? TrackEvent::Type::flow_start
                                                  : TrackEvent::Type::flow_end;
        e.time = s.r.time.count();
        e.name = "IPI " + f.kind;
        e.cat = "ipi";
        e.flow = f.id;
        out_->push_back(std::move(e));
    }

    void violation(int v) {
        const auto& rep = tl_.violations[static_cast<std::size_t>(v)];
        TrackEvent e;
        e.type = TrackEvent::Type::violation;
        e.time = tl_.violation_time(rep);
        e.name = "VIOLATION " + rep.property;
        e.cat = "violation";
        e.violation = v;
        e.args["property"] = rep.property;
        e.args["task"] = rep.task;
        e.args["time"] = rep.time;
        e.args["call"] = rep.call;
        e.args["t_a"] = rep.t_a;
        e.args["t_b"] = rep.t_b;
        e.args["t_r"] = rep.t_r;
        e.args["chain"] = rep.chain;
        out_->push_back(std::move(e));
    }

    void warning(int w) {
        const auto& rep = tl_.warnings[static_cast<std::size_t>(w)];
        TrackEvent e;
        e.type = TrackEvent::Type::warning;
        e.time = rep.time;
        e.name = fmt::format("WARNING {}", check::name(rep.rule));
        e.cat = "warning";
        e.warning = w;
        e.args["rule"] = std::string(check::name(rep.rule));
        e.args["task"] = rep.task;
        e.args["text"] = rep.text;
        e.args["chain"] = rep.chain;
        out_->push_back(std::move(e));
    }

    void mark(const Finding& f) {
        if (f.warning) {
            warning(f.index);
        } else {
            violation(f.index);
        }
    }

    /// Lazy TLB mode: from enter_lazy until unlazy, or until a user task is switched in (it
    /// runs on the loaded mm, or switch_mm loads its own).
    void track_lazy(int cpu, const Stored& s) {
        auto& lazy = tl_.lazy[static_cast<std::size_t>(cpu)];
        const auto& r = s.r;
        const std::int64_t t = r.time.count();
        const int next = r.kind == RecordKind::context_switch ? rec::next_task(r) : -1;
        const bool user_next = next >= 0 && static_cast<std::size_t>(next) < rec_.tasks_.size() &&
                               !rec_.tasks_[static_cast<std::size_t>(next)].kthread;
        if (lazy_open_ && (r.kind == RecordKind::unlazy || user_next)) {
            lazy.back().end = t;
            lazy_open_ = false;
        }
        if (r.kind == RecordKind::enter_lazy) {
            if (lazy_open_) {
                lazy.back().end = t;
            }
            std::string mm = "?";
            if (r.mm >= 0 && static_cast<std::size_t>(r.mm) < rec_.mms_.size()) {
                mm = rec_.mms_[static_cast<std::size_t>(r.mm)];
            }
            lazy.push_back({t, t, mm});
            lazy_open_ = true;
        }
    }

    // One CPU ----------------------------------------------------------------------------------
    // A CPU's records are walked in order; each opens and closes the level-0 span (user, kernel,
    // idle) and the deeper ones (interrupt handlers, the polled call-function queue) it starts
    // or ends, then gets its instant event and its IPI flow end.

    /// Where one CPU's track stands during the walk.
    struct TrackState {
        int cur = -1; ///< the current task
        Mode mode = Mode::kernel;
        IdlePhase phase = IdlePhase::loop;
        int irq_depth = 0;
        std::size_t next_finding = 0; ///< into the CPU's findings, in time order
    };

    bool idle_in_kernel() const {
        return is_idle(st_.cur) && st_.mode == Mode::kernel && st_.irq_depth == 0;
    }

    /// Every CPU starts in its idle task; at time 0 it schedules at once when it has work.
    void start_track(int cpu, const std::vector<std::size_t>& idx) {
        out_ = &tl_.tracks[static_cast<std::size_t>(cpu)];
        stack_.clear();
        lazy_open_ = false;
        const auto uc = static_cast<std::size_t>(cpu);
        st_ = TrackState{};
        st_.cur = uc < rec_.idle_task_.size() ? rec_.idle_task_[uc] : -1;
        if (!idx.empty() && is_idle(st_.cur) && in_schedule(rec_.records_[idx.front()])) {
            st_.phase = IdlePhase::sched;
            open_kernel(0, st_.cur);
        } else if (is_idle(st_.cur) || st_.cur < 0) {
            open_idle(0, st_.cur);
        } else {
            open_kernel(0, st_.cur);
        }
    }

    /// The CPU's findings before time `t`. A finding sits after every record at its time (the
    /// violating instruction runs right after the return to user mode that records it; a warning
    /// is found by the record at its time).
    void place_findings_before(const std::vector<Finding>& findings, std::int64_t t) {
        while (st_.next_finding < findings.size() && findings[st_.next_finding].time < t) {
            mark(findings[st_.next_finding++]);
        }
    }

    /// rq->curr changes: the next task's span starts (the idle task's scheduling pass when the
    /// switch to it continues in __schedule).
    void switch_in(const Stored& s, const Stored* next) {
        const std::int64_t t = s.r.time.count();
        end_to(0, t);
        st_.irq_depth = 0;
        st_.cur = rec::next_task(s.r);
        st_.mode = Mode::kernel;
        if (is_idle(st_.cur) && !continues_schedule(next)) {
            st_.phase = IdlePhase::loop;
            open_idle(t, st_.cur);
        } else {
            st_.phase = IdlePhase::sched;
            open_kernel(t, st_.cur);
        }
    }

    void enter_kernel(const Stored& s) {
        const std::int64_t t = s.r.time.count();
        end_to(0, t);
        st_.mode = Mode::kernel;
        const bool syscall = rec::entry_kind(s.r) == kernel::EntryKind::syscall;
        open_kernel(t, st_.cur, Json{{"entry", syscall ? "syscall" : "interrupt"}});
    }

    /// The return instruction runs in the kernel (its instant first), then user code.
    void return_to_user(const Stored& s) {
        const std::int64_t t = s.r.time.count();
        instant(s);
        end_to(0, t);
        st_.mode = Mode::user;
        begin(t, task_name(st_.cur), "user",
              Json{{"task", task_name(st_.cur)},
                   {"return", kernel::return_insn_name(rec::return_insn(s.r))}});
    }

    void enter_irq(const Stored& s) {
        const std::int64_t t = s.r.time.count();
        while (top_is("polled")) {
            end_to(stack_.size() - 1, t);
        }
        if (st_.mode == Mode::user) { // defensive: kernel_entry comes first
            end_to(0, t);
            st_.mode = Mode::kernel;
            open_kernel(t, st_.cur);
        }
        begin(t, std::string(kernel::fn_name(s.r.site)), "irq",
              Json{{"handler", kernel::fn_name(s.r.site)}, {"vector", rec::irq_vector(s.r)}});
        ++st_.irq_depth;
    }

    /// Closes the innermost interrupt handler and whatever it opened.
    void exit_irq(const Stored& s) {
        std::size_t depth = stack_.size();
        while (depth > 1 && stack_[depth - 1].cat != "irq") {
            --depth;
        }
        if (depth > 1) {
            end_to(depth - 1, s.r.time.count());
        }
        st_.irq_depth = std::max(0, st_.irq_depth - 1);
    }

    /// Any other record of the idle task in the kernel: it moves between its idle loop and its
    /// scheduling pass, and a polled call-function queue run opens.
    void idle_step(const Stored& s) {
        if (!idle_in_kernel()) {
            return;
        }
        const std::int64_t t = s.r.time.count();
        if (in_schedule(s) && st_.phase == IdlePhase::loop) {
            end_to(0, t);
            st_.phase = IdlePhase::sched;
            open_kernel(t, st_.cur);
        } else if (!in_schedule(s) && st_.phase == IdlePhase::sched) {
            end_to(0, t);
            st_.phase = IdlePhase::loop;
            open_idle(t, st_.cur);
        }
        if (st_.phase == IdlePhase::loop && path(s).polled && !top_is("polled")) {
            begin(t, "flush_smp_call_function_queue (polled)", "polled",
                  Json{{"why", "a polling idle CPU runs the call-function queue "
                               "without an interrupt (set_nr_if_polling)"}});
        }
    }

    /// Look ahead: the idle task's scheduling pass and a polled queue run close at their last
    /// record.
    void close_idle_spans(const Stored& s, const Stored* next) {
        if (!idle_in_kernel()) {
            return;
        }
        const std::int64_t t = s.r.time.count();
        if (top_is("polled") &&
            !(next != nullptr && path(*next).polled && next->r.kind != RecordKind::irq_enter)) {
            end_to(stack_.size() - 1, t);
        }
        if (st_.phase == IdlePhase::sched && !continues_schedule(next)) {
            end_to(0, t);
            st_.phase = IdlePhase::loop;
            open_idle(t, st_.cur);
        }
    }

    /// The spans `s` opens and closes, its instant event and its flow; `next` is the CPU's next
    /// record (nullptr at the end).
    void place_record(const Stored& s, std::size_t index, const Stored* next) {
        switch (s.r.kind) {
        case RecordKind::context_switch:
            switch_in(s, next);
            return;
        case RecordKind::return_to_user:
            return_to_user(s);
            return;
        case RecordKind::kernel_entry:
            enter_kernel(s);
            break;
        case RecordKind::irq_enter:
            enter_irq(s);
            break;
        case RecordKind::irq_exit:
            exit_irq(s);
            break;
        default:
            idle_step(s);
            break;
        }
        instant(s);
        flow(s, index);
        close_idle_spans(s, next);
    }

    /// The findings left, the lazy span still open, and every open slice, at the end.
    void finish_track(int cpu, const std::vector<Finding>& findings) {
        while (st_.next_finding < findings.size()) {
            mark(findings[st_.next_finding++]);
        }
        if (lazy_open_) {
            tl_.lazy[static_cast<std::size_t>(cpu)].back().end = tl_.end;
            lazy_open_ = false;
        }
        std::int64_t end = tl_.end;
        if (!out_->empty()) {
            end = std::max(end, out_->back().time);
        }
        end_to(0, end);
    }

    void build_track(int cpu, const std::vector<std::size_t>& idx,
                     const std::vector<Finding>& findings) {
        start_track(cpu, idx);
        for (std::size_t k = 0; k < idx.size(); ++k) {
            const Stored& s = rec_.records_[idx[k]];
            const Stored* next = k + 1 < idx.size() ? &rec_.records_[idx[k + 1]] : nullptr;
            if (s.r.kind != RecordKind::context_switch && s.r.task >= 0) {
                st_.cur = s.r.task; // every record names the current task
            }
            place_findings_before(findings, s.r.time.count());
            track_lazy(cpu, s);
            place_record(s, idx[k], next);
        }
        finish_track(cpu, findings);
    }

    const TimelineRecorder& rec_;
    Timeline& tl_;
    std::unordered_map<std::size_t, int> flow_of_;
    std::vector<TrackEvent>* out_ = nullptr;
    std::vector<Open> stack_;
    bool lazy_open_ = false;
    TrackState st_;
};

Timeline TimelineRecorder::build(const run::RunResult& result, const std::string& file,
                                 double ghz) const {
    Timeline tl;
    tl.scenario = result.scenario;
    tl.policy = result.policy;
    tl.file = file;
    tl.ghz = ghz;
    tl.seed = result.seed;
    tl.jitter = result.jitter;
    tl.end = result.cycles;
    for (const auto& s : records_) {
        tl.end = std::max(tl.end, s.r.time.count());
    }
    for (const auto& v : result.violation_reports) {
        tl.end = std::max(tl.end, v.time);
    }
    // (a violation with time -1 is drawn at the end, see Timeline::violation_time)
    tl.tracks.resize(static_cast<std::size_t>(cpus_));
    tl.lazy.resize(static_cast<std::size_t>(cpus_));
    for (int c = 0; c < cpus_; ++c) {
        tl.cpu_ids.push_back(c);
    }
    tl.violations = result.violation_reports;
    tl.warnings = result.warnings;
    TimelineBuilder(*this, tl).build();
    return tl;
}

} // namespace cli
