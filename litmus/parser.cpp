// The reader of litmus.h: the C NAME line, the tlbsim header, the initial values, the Pn
// functions and the final condition, each refused at its position when it is outside the subset.

#include "litmus/lexer.h"
#include "litmus/litmus.h"
#include "litmus/statements.h"

#include "scenario/steps.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <optional>

namespace litmus {

using detail::Token;
using Kind = Token::Kind;

namespace detail {

[[noreturn]] void Reader::fail(const Token& t, const std::string& what) const {
    throw LitmusError(fmt::format("{}:{}:{}: {}", file_, t.line, t.column, what));
}

const Token& Reader::take() {
    const Token& t = toks_[pos_];
    if (t.kind != Kind::end) {
        ++pos_;
    }
    return t;
}

bool Reader::accept(std::string_view punct) {
    if (peek().kind == Kind::punct && peek().text == punct) {
        ++pos_;
        return true;
    }
    return false;
}

void Reader::expect(std::string_view punct) {
    if (!accept(punct)) {
        fail(peek(), fmt::format("expected '{}', got {}", punct, describe(peek())));
    }
}

const Token& Reader::name() {
    if (peek().kind != Kind::name) {
        fail(peek(), fmt::format("expected a name, got {}", describe(peek())));
    }
    return take();
}

std::int64_t Reader::integer() {
    const bool negative = accept("-");
    const Token& t = peek();
    if (t.kind != Kind::number) {
        fail(t, fmt::format("expected an integer, got {}", describe(t)));
    }
    std::int64_t v = 0;
    for (const char c : t.text) {
        if (c < '0' || c > '9' || v > (INT64_MAX - (c - '0')) / 10) {
            fail(t, fmt::format("{} is not a decimal integer tlbsim can hold", t.text));
        }
        v = v * 10 + (c - '0');
    }
    take();
    return negative ? -v : v;
}

std::string Reader::describe(const Token& t) {
    return t.kind == Kind::end ? std::string("the end of the file") : "'" + t.text + "'";
}

} // namespace detail

namespace {

/// The reader of a whole file: what comes around the thread bodies (statements.cpp).
class FileReader : public detail::Reader {
public:
    FileReader(std::vector<Token> toks, const std::string& file, LitmusTest& test)
        : Reader(std::move(toks), file), test_(test) {}

    void run() {
        if (peek().kind == Kind::name && peek().text == "tlbsim") {
            header();
        }
        if (peek().kind == Kind::punct && peek().text == "{") {
            initial_values();
        }
        while (peek().kind == Kind::name && is_thread_name(peek().text)) {
            thread();
        }
        if (test_.threads.empty()) {
            fail(peek(), fmt::format("expected P0, got {} (a test has at least one thread)",
                                     describe(peek())));
        }
        apply_placements();
        condition();
        if (peek().kind != Kind::end) {
            fail(peek(), fmt::format("unexpected {} after the condition", describe(peek())));
        }
    }

private:
    static bool is_thread_name(const std::string& s) {
        return s.size() >= 2 && s[0] == 'P' &&
               std::all_of(s.begin() + 1, s.end(), [](char c) { return c >= '0' && c <= '9'; });
    }

    /// `tlbsim { register = none; cpus = 2; P1.cpu = 0; P1.process = q; P1.start = 100; }`
    void header() {
        take();
        expect("{");
        while (!accept("}")) {
            const Token& key = name();
            if (key.text == "register") {
                expect("=");
                registration();
            } else if (key.text == "cpus") {
                expect("=");
                const Token& at = peek();
                cpus_at_ = at;
                const std::int64_t n = integer();
                if (n < 1 || n > 64) {
                    fail(at, "cpus must be in 1..64");
                }
                test_.cpus = static_cast<int>(n);
            } else if (is_thread_name(key.text)) {
                placement(key);
            } else {
                fail(key, fmt::format("unknown header key '{}' (valid: register, cpus, Pn.cpu, "
                                      "Pn.process, Pn.start)",
                                      key.text));
            }
            expect(";");
        }
    }

    /// `register = none` or a list of membarrier registrations of process p.
    void registration() {
        test_.registration.clear();
        if (peek().kind == Kind::name && peek().text == "none") {
            take();
            return;
        }
        do {
            const Token& r = name();
            static const std::vector<std::string> valid = {
                "private_expedited", "private_expedited_sync_core", "private_expedited_rseq",
                "global_expedited"};
            if (std::find(valid.begin(), valid.end(), r.text) == valid.end()) {
                fail(r, fmt::format("unknown registration '{}' (valid: none, private_expedited, "
                                    "private_expedited_sync_core, private_expedited_rseq, "
                                    "global_expedited)",
                                    r.text));
            }
            test_.registration.push_back(r.text);
        } while (accept(","));
    }

    struct Placement {
        Token thread;
        std::string key;
        std::int64_t number = 0;
        std::string process;
    };

    void placement(const Token& thread) {
        expect(".");
        const Token& key = name();
        expect("=");
        Placement p{thread, key.text, 0, ""};
        if (key.text == "process") {
            p.process = name().text;
        } else if (key.text == "cpu" || key.text == "start") {
            const Token& at = peek();
            p.number = integer();
            if (p.number < 0 || (key.text == "cpu" && p.number > 63)) {
                fail(at, fmt::format("{}.{} is out of range", thread.text, key.text));
            }
        } else {
            fail(key,
                 fmt::format("unknown thread key '{}' (valid: cpu, process, start)", key.text));
        }
        placements_.push_back(p);
    }

    void apply_placements() {
        for (const Placement& p : placements_) {
            auto it = std::find_if(test_.threads.begin(), test_.threads.end(),
                                   [&](const LitmusThread& t) { return t.name == p.thread.text; });
            if (it == test_.threads.end()) {
                fail(p.thread, fmt::format("the header places {}, which the test does not define",
                                           p.thread.text));
            }
            if (p.key == "cpu") {
                it->cpu = static_cast<int>(p.number);
            } else if (p.key == "start") {
                it->start = p.number;
            } else {
                it->process = p.process;
            }
        }
        int cpus = 0;
        for (const LitmusThread& t : test_.threads) {
            cpus = std::max(cpus, t.cpu + 1);
        }
        if (test_.cpus != 0 && test_.cpus < cpus) {
            fail(cpus_at_,
                 fmt::format("cpus = {} but a thread is placed on CPU {}", test_.cpus, cpus - 1));
        }
        test_.cpus = std::max(test_.cpus, cpus);
    }

    /// `{ x = 1; int y = 2; }`
    void initial_values() {
        expect("{");
        while (!accept("}")) {
            if (peek().kind == Kind::name && peek().text == "int") {
                take();
            }
            const Token& var = name();
            std::int64_t value = 0;
            if (accept("=")) {
                value = integer();
            }
            if (peek().kind == Kind::punct && peek().text == ":") {
                fail(var, "initial values of registers are not supported");
            }
            set_variable(var, value);
            if (!accept(";")) {
                expect("}");
                break;
            }
        }
    }

    void set_variable(const Token& var, std::int64_t value) {
        for (auto& [name, v] : test_.variables) {
            if (name == var.text) {
                fail(var, fmt::format("{} is given an initial value twice", var.text));
            }
        }
        test_.variables.emplace_back(var.text, value);
    }

    /// `Pn(int *x, int *y) { statements }`
    void thread() {
        const Token& name_tok = take();
        LitmusThread t;
        t.name = name_tok.text;
        const int index = static_cast<int>(test_.threads.size());
        if (t.name != fmt::format("P{}", index)) {
            fail(name_tok, fmt::format("expected P{} (threads are P0, P1, ... in order)", index));
        }
        t.cpu = index;
        std::vector<std::string> params = parameters();
        for (const std::string& p : params) {
            if (std::none_of(test_.variables.begin(), test_.variables.end(),
                             [&](const auto& v) { return v.first == p; })) {
                test_.variables.emplace_back(p, 0);
            }
        }
        ThreadBody body{t, params, registers_[index]};
        parse_body(body);
        test_.threads.push_back(std::move(t));
    }

    std::vector<std::string> parameters() {
        std::vector<std::string> params;
        expect("(");
        if (accept(")")) {
            return params;
        }
        do {
            const Token& type = name();
            if (type.text != "int") {
                fail(type, fmt::format("parameter type '{}' is not supported (only int *VAR: "
                                       "locks, atomic_t and pointers to pointers are not modelled)",
                                       type.text));
            }
            expect("*");
            params.push_back(name().text);
        } while (accept(","));
        expect(")");
        return params;
    }

    void condition();
    int cond_or();
    int cond_and();
    int cond_unary();
    int cond_atom();
    int add_node(CondNode n) {
        test_.condition.nodes.push_back(std::move(n));
        return static_cast<int>(test_.condition.nodes.size()) - 1;
    }

    LitmusTest& test_;
    std::vector<Placement> placements_;
    Token cpus_at_;                                     ///< where the header set cpus
    std::map<int, std::vector<std::string>> registers_; ///< by thread: registers declared or set
};

void FileReader::condition() {
    const Token& q = peek();
    Condition& c = test_.condition;
    if (accept("~")) {
        c.quantifier = Quantifier::not_exists;
        if (name().text != "exists") {
            fail(q, "expected ~exists");
        }
    } else if (q.kind == Kind::name && (q.text == "exists" || q.text == "forall")) {
        c.quantifier = q.text == "exists" ? Quantifier::exists : Quantifier::forall;
        take();
    } else if (q.kind == Kind::name && (q.text == "locations" || q.text == "filter")) {
        fail(q, fmt::format("'{}' clauses are not supported", q.text));
    } else {
        fail(q, fmt::format("expected a thread P{}, exists, ~exists or forall, got {}",
                            test_.threads.size(), describe(q)));
    }
    const std::size_t first = pos();
    c.root = cond_or();
    c.text = text_between(first, pos());
}

int FileReader::cond_or() {
    CondNode n{CondNode::Kind::any, {cond_and()}, {}, 0};
    while (accept("\\/")) {
        n.children.push_back(cond_and());
    }
    return n.children.size() == 1 ? n.children.front() : add_node(std::move(n));
}

int FileReader::cond_and() {
    CondNode n{CondNode::Kind::all, {cond_unary()}, {}, 0};
    while (accept("/\\")) {
        n.children.push_back(cond_unary());
    }
    return n.children.size() == 1 ? n.children.front() : add_node(std::move(n));
}

int FileReader::cond_unary() {
    if (accept("~")) {
        return add_node(CondNode{CondNode::Kind::negate, {cond_unary()}, {}, 0});
    }
    if (accept("(")) {
        const int inner = cond_or();
        expect(")");
        return inner;
    }
    if (peek().kind == Kind::name && (peek().text == "true" || peek().text == "false")) {
        return add_node(CondNode{CondNode::Kind::truth, {}, {}, take().text == "true" ? 1 : 0});
    }
    return cond_atom();
}

/// `N:REG=V` or `VAR=V`.
int FileReader::cond_atom() {
    const Token& at = peek();
    Place place;
    if (at.kind == Kind::number) {
        place.thread = static_cast<int>(integer());
        expect(":");
        place.name = name().text;
        if (place.thread >= static_cast<int>(test_.threads.size())) {
            fail(at, fmt::format("the condition names thread {}, which the test does not define",
                                 place.thread));
        }
        const auto& regs = registers_[place.thread];
        if (std::find(regs.begin(), regs.end(), place.name) == regs.end()) {
            fail(at, fmt::format("P{} has no register {}", place.thread, place.name));
        }
    } else {
        place.name = name().text;
        if (std::none_of(test_.variables.begin(), test_.variables.end(),
                         [&](const auto& v) { return v.first == place.name; })) {
            fail(at,
                 fmt::format("the condition names {}, which is no shared variable", place.name));
        }
    }
    expect("=");
    return add_node(CondNode{CondNode::Kind::equal, {}, place, integer()});
}

/// "C NAME" and where the rest begins.
std::size_t name_line(std::string_view text, const std::string& file, LitmusTest& test) {
    std::size_t i = text.find_first_not_of(" \t\r\n");
    if (i == std::string_view::npos || text[i] != 'C' || i + 1 >= text.size() ||
        (text[i + 1] != ' ' && text[i + 1] != '\t')) {
        throw LitmusError(fmt::format("{}:1:1: a litmus test begins with C NAME (the C "
                                      "language); other architectures are not supported",
                                      file));
    }
    const std::size_t end = text.find('\n', i);
    const std::string_view rest =
        text.substr(i + 2, end == std::string_view::npos ? end : end - i - 2);
    const std::size_t b = rest.find_first_not_of(" \t");
    const std::size_t e = rest.find_last_not_of(" \t\r");
    if (b == std::string_view::npos) {
        throw LitmusError(fmt::format("{}:1:1: the C line has no test name", file));
    }
    test.name = std::string(rest.substr(b, e - b + 1));
    return end == std::string_view::npos ? text.size() : end + 1;
}

} // namespace

LitmusTest parse_litmus(std::string_view text, const std::string& file) {
    LitmusTest test;
    test.file = file;
    const std::size_t body = name_line(text, file, test);
    const int line = 1 + static_cast<int>(std::count(
                             text.begin(), text.begin() + static_cast<std::ptrdiff_t>(body), '\n'));
    FileReader reader(detail::tokenize(text, body, line, file), file, test);
    reader.run();
    return test;
}

std::vector<Place> observed_places(const Condition& c) {
    std::vector<Place> regs;
    std::vector<Place> vars;
    for (const CondNode& n : c.nodes) {
        if (n.kind != CondNode::Kind::equal) {
            continue;
        }
        auto& list = n.place.thread >= 0 ? regs : vars;
        if (std::find(list.begin(), list.end(), n.place) == list.end()) {
            list.push_back(n.place);
        }
    }
    std::sort(regs.begin(), regs.end());
    std::sort(vars.begin(), vars.end());
    regs.insert(regs.end(), vars.begin(), vars.end());
    return regs;
}

} // namespace litmus
