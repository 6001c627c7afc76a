#pragma once
// Strong ids of tasks and mms where a record is built from several of them at once, so that
// passing a task where an mm is expected (or the reverse) does not compile. Records keep the plain
// ids (Task::id, Mm::id); -1 stands for none (a NULL mm, no task).

#include "kernel/mm.h"
#include "kernel/task.h"

namespace kernel {

class TaskId {
public:
    constexpr explicit TaskId(int id) : id_(id) {}
    static constexpr TaskId none() { return TaskId(-1); }
    constexpr int value() const { return id_; }
    friend constexpr bool operator==(TaskId, TaskId) = default;

private:
    int id_;
};

class MmId {
public:
    constexpr explicit MmId(int id) : id_(id) {}
    static constexpr MmId none() { return MmId(-1); }
    constexpr int value() const { return id_; }
    friend constexpr bool operator==(MmId, MmId) = default;

private:
    int id_;
};

inline TaskId id_of(const Task& t) {
    return TaskId(t.id);
}
/// The mm's id, or none for a NULL mm (a kernel thread's tsk->mm).
inline MmId id_of(const Mm* mm) {
    return mm != nullptr ? MmId(mm->id) : MmId::none();
}

} // namespace kernel
