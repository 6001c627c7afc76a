#include "sim/fiber.h"

#include "sim/panic.h"

#include <boost/context/detail/fcontext.hpp>

#include <algorithm>
#include <cstdlib>
#include <exception>
#include <utility>

#if defined(TLBSIM_ASAN)
#include <sanitizer/asan_interface.h>
#include <sanitizer/common_interface_defs.h>
#endif

namespace sim {

namespace ctx = boost::context::detail;

struct FiberAccess {
    /// On arrival from a jump: the jumper's context is where it resumes later.
    static void arrived(FiberPool& pool, ctx::transfer_t t) {
        auto* tr = static_cast<FiberPool::Transfer*>(t.data);
        pool.current_ = tr->to;
        if (tr->from != nullptr) {
            tr->from->fctx_ = t.fctx;
        } else {
            pool.hub_fctx_ = t.fctx;
        }
    }

    static void finish_switch(FiberPool& pool, const FiberPool::Transfer* tr, void* fake_stack) {
#if defined(TLBSIM_ASAN)
        const void* bottom = nullptr;
        std::size_t size = 0;
        __sanitizer_finish_switch_fiber(fake_stack, &bottom, &size);
        if (tr->from == nullptr) {
            pool.hub_stack_bottom_ = bottom;
            pool.hub_stack_size_ = size;
        }
#else
        (void)pool;
        (void)tr;
        (void)fake_stack;
#endif
    }

    // First entry on the new stack.
    static void trampoline(ctx::transfer_t t) {
        const auto* tr = static_cast<FiberPool::Transfer*>(t.data);
        Fiber* f = tr->to;
        arrived(f->pool_, t);
        finish_switch(f->pool_, tr, nullptr);
        Fiber* next = nullptr;
        try {
            f->body_.run();
            f->finished_ = true;
            next = f->next();
            SIM_ASSERT(next != f, "a finished fiber was chosen to run again");
        } catch (const ForcedUnwind&) {
            // Unwound (Fiber::unwind): its frames are gone; back to whoever asked.
            f->finished_ = true;
            next = f->pool_.unwinder_;
        } catch (...) {
            // An internal error unwound this fiber's stack to here: end the run at the hub,
            // which rethrows it. The other fibers stay suspended until their owner unwinds them.
            f->finished_ = true;
            f->pool_.failure_ = std::current_exception();
            next = nullptr;
        }
        f->switch_to(next, /*finishing=*/true);
        std::abort(); // a finished fiber is never resumed (switch_to refuses finished targets)
    }
};

Fiber::Fiber(FiberPool& pool, FiberBody& body) : pool_(pool), body_(body) {
    stack_ = pool_.acquire();
    // fcontext stacks grow down from the top of the allocation.
    void* top = static_cast<char*>(stack_) + pool_.stack_size();
    fctx_ = ctx::make_fcontext(top, pool_.stack_size(), &FiberAccess::trampoline);
    pool_.add_live(this);
}

Fiber::~Fiber() {
    unwind();
    pool_.remove_live(this);
    pool_.release(stack_);
}

void Fiber::unwind() {
    if (!suspended()) {
        return;
    }
    Fiber* caller = pool_.current_;
    SIM_ASSERT(caller != this, "a fiber cannot unwind itself");
    // Saved and restored: a frame's destructor may destroy another suspended fiber.
    Fiber* outer_unwinding = std::exchange(pool_.unwinding_, this);
    Fiber* outer_unwinder = std::exchange(pool_.unwinder_, caller);
    // This fiber's pending yield() throws ForcedUnwind; its base jumps back here.
    if (caller == nullptr) {
        resume();
    } else {
        caller->switch_to(this, /*finishing=*/false);
    }
    pool_.unwinding_ = outer_unwinding;
    pool_.unwinder_ = outer_unwinder;
}

void Fiber::resume() {
    SIM_ASSERT(!finished_, "resume of a finished fiber");
    pool_.transfer_ = {nullptr, this};
#if defined(TLBSIM_ASAN)
    void* hub_fake = nullptr;
    __sanitizer_start_switch_fiber(&hub_fake, stack_, pool_.stack_size());
#endif
    started_ = true;
    ctx::transfer_t t = ctx::jump_fcontext(fctx_, &pool_.transfer_);
    // Back in the hub: some fiber jumped here.
    FiberAccess::arrived(pool_, t);
#if defined(TLBSIM_ASAN)
    __sanitizer_finish_switch_fiber(hub_fake, nullptr, nullptr);
#endif
    if (pool_.failure_) {
        std::rethrow_exception(std::exchange(pool_.failure_, nullptr));
    }
}

Fiber* Fiber::next() const {
    return pool_.dispatcher_ != nullptr ? pool_.dispatcher_(pool_.dispatch_context_) : nullptr;
}

void Fiber::yield() {
    if (pool_.unwinding_ == this) {
        return; // a destructor yielding during its fiber's unwind: nothing may run any more
    }
    Fiber* target = next();
    if (target == this) {
        return; // the next event is this fiber's own: no switch at all
    }
    switch_to(target, /*finishing=*/false);
}

void Fiber::switch_to(Fiber* target, bool finishing) {
    SIM_ASSERT(target == nullptr || !target->finished_, "jump to a finished fiber");
    pool_.transfer_ = {this, target};
#if defined(TLBSIM_ASAN)
    __sanitizer_start_switch_fiber(finishing ? nullptr : &fake_stack_,
                                   target != nullptr ? target->stack_ : pool_.hub_stack_bottom_,
                                   target != nullptr ? pool_.stack_size() : pool_.hub_stack_size_);
#else
    (void)finishing;
#endif
    void* to = pool_.hub_fctx_;
    if (target != nullptr) {
        target->started_ = true;
        to = target->fctx_;
    }
    ctx::transfer_t t = ctx::jump_fcontext(to, &pool_.transfer_);
    // Resumed by some jump (from the hub or from another fiber).
    FiberAccess::arrived(pool_, t);
    FiberAccess::finish_switch(pool_, static_cast<FiberPool::Transfer*>(t.data), fake_stack_);
    if (pool_.unwinding_ == this) {
        throw ForcedUnwind{}; // resumed by unwind(): leave through every frame to the trampoline
    }
}

std::size_t FiberPool::default_stack_size() {
#if defined(TLBSIM_ASAN)
    return 512 * 1024; // ASan's redzones and fake frames need room
#else
    return 64 * 1024;
#endif
}

namespace {

/// Default-size stacks whose pool is gone, kept on this thread for the next pool. `explore` and
/// the benches make thousands of runs one after another, each with its own Simulation and pool;
/// handing every run's 64 KiB stacks back to malloc made glibc trim its heap at a run's end and
/// grow it again in the next run (page faults in every run, or not, depending on where other
/// allocations happened to land).
struct StackCache {
    static constexpr std::size_t max_stacks = 64;
    std::vector<void*> stacks;
    StackCache() = default;
    StackCache(const StackCache&) = delete;
    StackCache& operator=(const StackCache&) = delete;
    ~StackCache() {
        for (void* s : stacks) {
            std::free(s);
        }
    }
};
thread_local StackCache stack_cache;

} // namespace

FiberPool::FiberPool(std::size_t stack_size) : stack_size_(stack_size) {}

void FiberPool::unwind_suspended() {
    // By index, skipping destroyed ones: an unwinding fiber's destructors may destroy fibers.
    const bool outer = std::exchange(visiting_live_, true);
    for (std::size_t i = 0; i < live_.size(); ++i) {
        if (live_[i] != nullptr) {
            live_[i]->unwind();
        }
    }
    visiting_live_ = outer;
}

void FiberPool::add_live(Fiber* f) {
    f->live_index_ = live_.size();
    live_.push_back(f);
    ++live_count_;
}

void FiberPool::remove_live(Fiber* f) {
    live_[f->live_index_] = nullptr;
    --live_count_;
    if (!visiting_live_ && live_.size() >= 64 && live_count_ < live_.size() / 2) {
        compact_live();
    }
}

void FiberPool::compact_live() {
    std::size_t kept = 0;
    for (Fiber* f : live_) {
        if (f != nullptr) {
            f->live_index_ = kept;
            live_[kept++] = f;
        }
    }
    live_.resize(kept);
}

FiberPool::~FiberPool() {
    const bool cacheable = stack_size_ == default_stack_size();
    for (void* s : all_) {
        if (cacheable && stack_cache.stacks.size() < StackCache::max_stacks) {
#if defined(TLBSIM_ASAN)
            ASAN_UNPOISON_MEMORY_REGION(s, stack_size_); // an abandoned fiber's redzones
#endif
            stack_cache.stacks.push_back(s);
        } else {
            std::free(s);
        }
    }
}

void* FiberPool::acquire() {
    if (!free_.empty()) {
        void* s = free_.back();
        free_.pop_back();
        return s;
    }
    void* s = nullptr;
    if (stack_size_ == default_stack_size() && !stack_cache.stacks.empty()) {
        s = stack_cache.stacks.back();
        stack_cache.stacks.pop_back();
    } else {
        s = std::aligned_alloc(64, stack_size_);
    }
    SIM_ASSERT(s != nullptr, "out of memory for a {}-byte fiber stack", stack_size_);
    all_.push_back(s);
    return s;
}

void FiberPool::release(void* stack) {
#if defined(TLBSIM_ASAN)
    // An abandoned (never finished) fiber leaves its frames' redzones poisoned.
    ASAN_UNPOISON_MEMORY_REGION(stack, stack_size_);
#endif
    free_.push_back(stack);
}

} // namespace sim
