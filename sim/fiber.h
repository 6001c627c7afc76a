#pragma once
// Kernel stacks. A Fiber is a suspended C++ call stack on Boost.Context's fcontext primitives.
// The hub (the code that first calls resume(), normally Simulation::run) starts the first fiber;
// from then on a yielding fiber asks the pool's dispatcher which fiber runs next and jumps there
// directly -- one switch per event instead of two through the hub, and none at all when it is
// itself -- and back to the hub only when the dispatcher says the run is over. Without a
// dispatcher every yield returns to the hub. Every jump carries who made it, so the target can
// save the jumper's context and ASan can be told about each stack switch.
//
// Rules for code that runs on a fiber:
//  * no exception leaves a fiber: errors are values, and a panic (an InternalError) is caught at
//    the fiber's base, which ends the run; resume() rethrows it on the hub's stack;
//  * a fiber that is still suspended when it is destroyed or its run ends (the run stopped at
//    max_cycles, another fiber panicked, a task died deep in a kernel path) is unwound: its
//    owner calls FiberPool::unwind_suspended() while the objects its frames refer to still exist
//    (the Fiber's destructor does it otherwise), the fiber's pending yield() throws ForcedUnwind,
//    its frames' destructors run, and its base swallows it and jumps back to whoever asked. So do
//    not catch (...) on a fiber without rethrowing, and do not yield from a destructor (during the
//    unwind yield() returns at once).

#include <cstddef>
#include <exception>
#include <memory>
#include <vector>

namespace sim {

class FiberPool;

/// Thrown by yield() in a fiber being unwound; caught only by the fiber's base. Deliberately not
/// a std::exception, so that no handler for errors takes it for one.
struct ForcedUnwind {};

/// The code a fiber runs. run() must return normally for the fiber to finish.
class FiberBody {
public:
    virtual ~FiberBody() = default;
    virtual void run() = 0;
};

class Fiber {
public:
    Fiber(FiberPool& pool, FiberBody& body);
    ~Fiber();
    Fiber(const Fiber&) = delete;
    Fiber& operator=(const Fiber&) = delete;

    /// From the hub: runs the fiber (and whatever the dispatcher chains after it) until control
    /// comes back to the hub. Rethrows an exception that ended a fiber meanwhile.
    void resume();
    /// From inside the fiber: to whatever the dispatcher names next (the hub without one).
    void yield();

    /// From the hub or another fiber: unwinds a suspended fiber's stack (every frame's
    /// destructors run, on its own stack), marks it finished and comes back to the caller.
    /// Nothing happens to a fiber that never started or already finished.
    void unwind();

    bool finished() const { return finished_; }
    bool started() const { return started_; }
    bool suspended() const { return started_ && !finished_; }

private:
    friend struct FiberAccess;
    friend class FiberPool;
    /// Jumps to `target` (nullptr: the hub); returns when some jump comes back here.
    void switch_to(Fiber* target, bool finishing);
    /// The dispatcher's choice after this fiber yields or finishes.
    Fiber* next() const;

    FiberPool& pool_;
    FiberBody& body_;
    void* stack_ = nullptr;
    void* fctx_ = nullptr; // the fiber's saved context while suspended
    bool started_ = false;
    bool finished_ = false;
    std::size_t live_index_ = 0; // its slot in the pool's live_
    void* fake_stack_ = nullptr; // ASan bookkeeping (unused without TLBSIM_ASAN)
};

/// Fixed-size stacks, reused. Released stacks are kept for the next fiber.
class FiberPool {
public:
    explicit FiberPool(std::size_t stack_size = default_stack_size());
    ~FiberPool();
    FiberPool(const FiberPool&) = delete;
    FiberPool& operator=(const FiberPool&) = delete;

    void* acquire();
    void release(void* stack);
    std::size_t stack_size() const { return stack_size_; }
    std::size_t stacks_allocated() const { return all_.size(); }

    static std::size_t default_stack_size();

    /// From the hub: unwinds every suspended fiber of this pool, oldest first (Fiber::unwind).
    void unwind_suspended();
    std::size_t live_fibers() const { return live_count_; }

    /// Picks the fiber to run when one yields: nullptr sends control back to the hub.
    using Dispatcher = Fiber* (*)(void* context);
    void set_dispatcher(Dispatcher d, void* context) {
        dispatcher_ = d;
        dispatch_context_ = context;
    }

private:
    friend class Fiber;
    friend struct FiberAccess;
    /// What a jump carries: who made it (nullptr: the hub) and where it goes. It lives here, not
    /// on the jumper's stack: a finishing fiber's frames (ASan's fake stack among them) are gone
    /// by the time the target reads it. One jump is in flight at a time.
    struct Transfer {
        Fiber* from;
        Fiber* to;
    };
    Transfer transfer_{};
    Fiber* current_ = nullptr;   ///< the fiber running now (nullptr: the hub)
    Fiber* unwinding_ = nullptr; ///< the fiber being unwound: its yield() throws ForcedUnwind
    Fiber* unwinder_ = nullptr;  ///< who asked (nullptr: the hub): the unwound fiber ends there
    /// Every constructed, not yet destroyed fiber, oldest first, with nullptr where one was
    /// destroyed (O(1): a blocked task's fiber ends at every sleep), compacted when half are.
    std::vector<Fiber*> live_;
    std::size_t live_count_ = 0;
    bool visiting_live_ = false; ///< unwind_suspended() walks live_: no compaction meanwhile
    void add_live(Fiber* f);
    void remove_live(Fiber* f);
    void compact_live();
    /// An exception that ended a fiber (a panic), on its way to the hub.
    std::exception_ptr failure_;
    Dispatcher dispatcher_ = nullptr;
    void* dispatch_context_ = nullptr;
    void* hub_fctx_ = nullptr; // the hub's saved context while fibers run
    // ASan: the hub's stack, learnt when the hub first jumps to a fiber.
    const void* hub_stack_bottom_ = nullptr;
    std::size_t hub_stack_size_ = 0;
    std::size_t stack_size_;
    std::vector<void*> free_;
    std::vector<void*> all_;
};

} // namespace sim
