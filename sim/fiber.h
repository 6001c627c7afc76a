#pragma once
// Kernel stacks. A Fiber is a suspended C++ call stack on Boost.Context's fcontext primitives:
// the engine's hub (Simulation::run) resumes it, and it yields back to the hub -- never to another
// fiber directly -- so every switch has one well-defined partner and can be annotated for ASan.
//
// Rules for code that runs on a fiber:
//  * no exceptions leave a fiber (errors are values or panics); none cross stacks;
//  * a fiber that is still suspended when its simulation ends is released without unwinding, so
//    keep state in simulation objects, not in heap-owning locals across a suspension point.

#include <cstddef>
#include <memory>
#include <vector>

namespace sim {

class FiberPool;

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

    /// From the hub: runs the fiber until it yields or finishes.
    void resume();
    /// From inside the fiber: back to the hub.
    void yield();

    bool finished() const { return finished_; }
    bool started() const { return started_; }

private:
    friend struct FiberAccess;
    void switch_to_hub(bool finishing);

    FiberPool& pool_;
    FiberBody& body_;
    void* stack_ = nullptr;
    void* fctx_ = nullptr;     // the fiber's saved context while suspended
    void* hub_fctx_ = nullptr; // the hub's saved context while the fiber runs
    bool started_ = false;
    bool finished_ = false;
    // ASan bookkeeping (unused without TLBSIM_ASAN).
    void* fake_stack_ = nullptr;
    const void* hub_stack_bottom_ = nullptr;
    std::size_t hub_stack_size_ = 0;
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

private:
    std::size_t stack_size_;
    std::vector<void*> free_;
    std::vector<void*> all_;
};

} // namespace sim
