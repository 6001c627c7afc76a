#pragma once
// The token reader shared by the parts of a litmus file, and the statements of a thread body
// (litmus.h), each turned into tlbsim steps. Internal to litmus/.

#include "litmus/lexer.h"
#include "litmus/litmus.h"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace litmus::detail {

class Reader {
public:
    Reader(std::vector<Token> toks, const std::string& file)
        : toks_(std::move(toks)), file_(file) {}

protected:
    [[noreturn]] void fail(const Token& t, const std::string& what) const;
    const Token& peek() const { return toks_[pos_]; }
    const Token& take();
    bool accept(std::string_view punct);
    void expect(std::string_view punct);
    const Token& name();
    std::int64_t integer();
    static std::string describe(const Token& t);
    std::size_t pos() const { return pos_; }
    /// The tokens [from, to) as text: `/\` and `\/` between spaces, the rest joined.
    std::string text_between(std::size_t from, std::size_t to) const;

    /// What a thread body is read into.
    struct ThreadBody {
        LitmusThread& thread;
        const std::vector<std::string>& params; ///< its int *VAR parameters
        std::vector<std::string>& registers;    ///< declared or assigned
    };
    /// `{ statement... }`: the thread's steps.
    void parse_body(ThreadBody& body);

private:
    void statement(ThreadBody& b);
    void assignment(ThreadBody& b, const Token& reg);
    void call(ThreadBody& b, const Token& fn, const std::string& result);
    std::string location(ThreadBody& b);
    void declare(ThreadBody& b);
    void membarrier(ThreadBody& b);
    std::string hidden_register(ThreadBody& b);
    std::int64_t sleep_cycles();

    std::vector<Token> toks_;
    std::size_t pos_ = 0;
    const std::string& file_;
    int hidden_ = 0;
};

} // namespace litmus::detail
