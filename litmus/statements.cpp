// Thread bodies: each LKMM primitive as the x86 instructions Linux compiles it to
// (arch/x86/include/asm/barrier.h, cmpxchg.h; v5.10), as tlbsim steps:
//   WRITE_ONCE, smp_store_release          -> store (a MOV: x86 stores are releases)
//   READ_ONCE, smp_load_acquire            -> load (a MOV: x86 loads are acquires)
//   smp_mb, smp_store_mb's barrier         -> fence (smp_mb() is a locked add or MFENCE: both
//                                             drain the store buffer)
//   smp_rmb, smp_wmb, barrier,
//   smp_mb__before_atomic, __after_atomic  -> nothing (compiler barriers on x86)
//   xchg*, smp_store_mb                    -> xchg (XCHG, implicitly locked)
//   cmpxchg*                               -> cmpxchg (LOCK CMPXCHG)
//   membarrier(CMD), sched_yield()         -> the system calls (tlbsim's extension)
//   usleep(US)                             -> nanosleep for US microseconds (3,000 cycles each,
//                                             the model's 3 GHz): the CPU may go idle meanwhile

#include "litmus/statements.h"

#include "scenario/steps.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

namespace litmus::detail {

using Kind = Token::Kind;

namespace {

const std::vector<std::string_view> kCompilerBarriers = {"barrier",
                                                         "smp_rmb",
                                                         "smp_wmb",
                                                         "smp_mb__before_atomic",
                                                         "smp_mb__after_atomic",
                                                         "smp_mb__after_spinlock"};

const std::vector<std::string_view> kOrderings = {"", "_relaxed", "_acquire", "_release"};

/// Whether `fn` is `base` with one of the ordering suffixes.
bool is_family(const std::string& fn, std::string_view base) {
    return std::any_of(kOrderings.begin(), kOrderings.end(), [&](std::string_view o) {
        return fn.size() == base.size() + o.size() && fn.starts_with(base) && fn.ends_with(o);
    });
}

bool contains(const std::vector<std::string>& v, const std::string& s) {
    return std::find(v.begin(), v.end(), s) != v.end();
}

} // namespace

std::string Reader::text_between(std::size_t from, std::size_t to) const {
    std::string out;
    for (std::size_t i = from; i < to; ++i) {
        const std::string& t = toks_[i].text;
        out += (t == "/\\" || t == "\\/") ? " " + t + " " : t;
    }
    return out;
}

void Reader::parse_body(ThreadBody& b) {
    expect("{");
    while (!accept("}")) {
        if (peek().kind == Kind::end) {
            fail(peek(), fmt::format("{} has no closing '}}'", b.thread.name));
        }
        statement(b);
    }
}

void Reader::statement(ThreadBody& b) {
    const Token& first = name();
    if (first.text == "int") {
        declare(b);
    } else if (accept("=")) {
        assignment(b, first);
    } else {
        call(b, first, "");
    }
    expect(";");
}

/// `int r0, r1 = 0;`
void Reader::declare(ThreadBody& b) {
    do {
        const Token& reg = name();
        if (accept("=")) {
            const Token& at = peek();
            if (integer() != 0) {
                fail(at, "a register's initial value other than 0 is not supported");
            }
        }
        if (contains(b.params, reg.text)) {
            fail(reg, fmt::format("{} is a shared variable of {}", reg.text, b.thread.name));
        }
        if (!contains(b.registers, reg.text)) {
            b.registers.push_back(reg.text);
        }
    } while (accept(","));
}

/// `REG = F(...)`
void Reader::assignment(ThreadBody& b, const Token& reg) {
    if (contains(b.params, reg.text)) {
        fail(reg, fmt::format("a plain C access to the shared variable {} is not supported (use "
                              "WRITE_ONCE)",
                              reg.text));
    }
    if (!contains(b.registers, reg.text)) {
        b.registers.push_back(reg.text);
    }
    const Token& fn = name();
    if (fn.text != "READ_ONCE" && fn.text != "smp_load_acquire" && !is_family(fn.text, "xchg") &&
        !is_family(fn.text, "cmpxchg")) {
        fail(fn, fmt::format("'{} = {}(...)' is not supported (a register may take READ_ONCE, "
                             "smp_load_acquire, xchg or cmpxchg)",
                             reg.text, fn.text));
    }
    call(b, fn, reg.text);
}

/// `*x` or `x`: a shared variable this thread takes as a parameter.
std::string Reader::location(ThreadBody& b) {
    accept("*");
    const Token& var = name();
    if (!contains(b.params, var.text)) {
        fail(var, fmt::format("{} is not a parameter of {} (shared variables are its int * "
                              "parameters)",
                              var.text, b.thread.name));
    }
    return var.text;
}

std::string Reader::hidden_register(ThreadBody& b) {
    std::string r = fmt::format("_result{}", hidden_++);
    b.registers.push_back(r);
    return r;
}

void Reader::call(ThreadBody& b, const Token& fn, const std::string& result) {
    std::vector<std::string>& prog = b.thread.program;
    const std::string& f = fn.text;
    if (f == "membarrier") {
        return membarrier(b);
    }
    expect("(");
    if (f == "READ_ONCE" || f == "smp_load_acquire") {
        if (result.empty()) {
            fail(fn, fmt::format("the value of {} must go into a register", f));
        }
        prog.push_back(fmt::format("load {} {}", location(b), result));
    } else if (f == "WRITE_ONCE" || f == "smp_store_release" || f == "smp_store_mb") {
        const std::string var = location(b);
        expect(",");
        const std::int64_t v = integer();
        prog.push_back(f == "smp_store_mb"
                           ? fmt::format("xchg {} {} {}", var, v, hidden_register(b))
                           : fmt::format("store {} {}", var, v));
    } else if (is_family(f, "xchg")) {
        const std::string var = location(b);
        expect(",");
        const std::int64_t v = integer();
        prog.push_back(
            fmt::format("xchg {} {} {}", var, v, result.empty() ? hidden_register(b) : result));
    } else if (is_family(f, "cmpxchg")) {
        const std::string var = location(b);
        expect(",");
        const std::int64_t old = integer();
        expect(",");
        const std::int64_t v = integer();
        prog.push_back(fmt::format("cmpxchg {} {} {} {}", var, old, v,
                                   result.empty() ? hidden_register(b) : result));
    } else if (f == "smp_mb") {
        prog.push_back("fence");
    } else if (f == "sched_yield") {
        prog.push_back("yield");
    } else if (f == "usleep") {
        prog.push_back(fmt::format("sleep {}", sleep_cycles()));
    } else if (std::find(kCompilerBarriers.begin(), kCompilerBarriers.end(), f) ==
               kCompilerBarriers.end()) {
        fail(fn, fmt::format("'{}' is not supported (tlbsim reads WRITE_ONCE, READ_ONCE, "
                             "smp_store_release, smp_load_acquire, smp_mb, smp_rmb, smp_wmb, "
                             "barrier, smp_store_mb, xchg, cmpxchg and their _relaxed, _acquire "
                             "and _release forms, membarrier, sched_yield and usleep)",
                             f));
    }
    expect(")");
}

/// usleep's argument, in the model's cycles (3 GHz).
std::int64_t Reader::sleep_cycles() {
    constexpr std::int64_t kCyclesPerMicrosecond = 3000;
    constexpr std::int64_t kMostMicroseconds = 1000000;
    const Token& at = peek();
    const std::int64_t us = integer();
    if (us < 1 || us > kMostMicroseconds) {
        fail(at, "usleep takes 1 to 1000000 microseconds");
    }
    return us * kCyclesPerMicrosecond;
}

/// `membarrier(MEMBARRIER_CMD_X)`, `membarrier(MEMBARRIER_CMD_X, 0)` or with `, 0, 0)`.
void Reader::membarrier(ThreadBody& b) {
    expect("(");
    const Token& cmd = name();
    std::string lower;
    for (const char c : cmd.text) {
        lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    if (lower.starts_with("membarrier_cmd_")) {
        lower = lower.substr(15);
    }
    const auto& cmds = scenario::membarrier_commands();
    if (std::none_of(cmds.begin(), cmds.end(), [&](const auto& c) { return c.name == lower; })) {
        fail(cmd, fmt::format("unknown membarrier command {}", cmd.text));
    }
    for (int extra = 0; extra < 2 && accept(","); ++extra) {
        const Token& at = peek();
        if (integer() != 0) {
            fail(at, "membarrier's flags and cpu_id must be 0 here");
        }
    }
    expect(")");
    b.thread.program.push_back("membarrier " + lower);
}

} // namespace litmus::detail
