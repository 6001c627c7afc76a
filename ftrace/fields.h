#pragma once
// The fields of one event, as the kernel's TP_printk formats write them (`key=value`,
// `key:value`, `key: value`, separated by blanks or ", "), and the numbers in them. Errors are
// detail::LineError pointing at the offending field.

#include "ftrace/line.h"

#include <cstdint>
#include <optional>
#include <string_view>

namespace ftrace::detail {

class Fields {
public:
    /// `cpus`: the CPUs a CPU field may name (the trace's, or at most 8192).
    Fields(std::string_view event, std::string_view body, int cpus = kMaxCpus)
        : event_(event), body_(body), cpus_(cpus) {}

    /// NR_CPUS is at most 8192 on x86.
    static constexpr int kMaxCpus = 8192;

    std::string_view body() const { return body_; }
    int cpus() const { return cpus_; }

    /// The value of `key` (`key=v`, `key:v` or `key: v`, the key at the start or after a blank,
    /// '(' or ','); the value ends at a blank, ',' or ')'. nullopt when the key is absent.
    std::optional<std::string_view> find(std::string_view key) const;
    /// The same, but the key must be there.
    std::string_view value(std::string_view key) const;
    /// The text from `key`'s value to the blank before `next_key` (a comm or file name, which
    /// may hold blanks).
    std::string_view value_until(std::string_view key, std::string_view next_key) const;

    int int_value(std::string_view key) const { return to_int(value(key)); }
    /// A pid (>= 0) and a CPU (0 to cpus() - 1).
    int pid_value(std::string_view key) const { return to_pid(value(key)); }
    int cpu_value(std::string_view key) const;
    int to_pid(std::string_view text) const;

    int to_int(std::string_view text) const;
    /// Decimal (optionally negative) or 0x-hexadecimal; hexadecimal is a 64-bit pattern, so
    /// 0xffffffffffffffea is -22.
    std::int64_t to_int64(std::string_view text) const;
    /// Hexadecimal with or without 0x (task_newtask's clone_flags).
    std::uint64_t to_hex(std::string_view text) const;

    /// Throws LineError at `where` (a view into the body, or the body itself).
    [[noreturn]] void fail(std::string_view where, std::string_view message) const;

private:
    std::size_t find_key(std::string_view key) const;

    std::string_view event_;
    std::string_view body_;
    int cpus_;
};

} // namespace ftrace::detail
