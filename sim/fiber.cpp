#include "sim/fiber.h"

#include "sim/panic.h"

#include <boost/context/detail/fcontext.hpp>

#include <cstdlib>

#if defined(TLBSIM_ASAN)
#include <sanitizer/asan_interface.h>
#include <sanitizer/common_interface_defs.h>
#endif

namespace sim {

namespace ctx = boost::context::detail;

struct FiberAccess {
    // First entry on the new stack: `t.fctx` is the hub, `t.data` the Fiber.
    static void trampoline(ctx::transfer_t t) {
        auto* f = static_cast<Fiber*>(t.data);
        f->hub_fctx_ = t.fctx;
#if defined(TLBSIM_ASAN)
        __sanitizer_finish_switch_fiber(nullptr, &f->hub_stack_bottom_, &f->hub_stack_size_);
#endif
        f->body_.run();
        f->finished_ = true;
        f->switch_to_hub(/*finishing=*/true);
        SIM_ASSERT(false, "a finished fiber was resumed");
    }
};

Fiber::Fiber(FiberPool& pool, FiberBody& body) : pool_(pool), body_(body) {
    stack_ = pool_.acquire();
    // fcontext stacks grow down from the top of the allocation.
    void* top = static_cast<char*>(stack_) + pool_.stack_size();
    fctx_ = ctx::make_fcontext(top, pool_.stack_size(), &FiberAccess::trampoline);
}

Fiber::~Fiber() {
    pool_.release(stack_);
}

void Fiber::resume() {
    SIM_ASSERT(!finished_, "resume of a finished fiber");
#if defined(TLBSIM_ASAN)
    void* hub_fake = nullptr;
    __sanitizer_start_switch_fiber(&hub_fake, stack_, pool_.stack_size());
#endif
    void* data = started_ ? nullptr : this;
    started_ = true;
    ctx::transfer_t t = ctx::jump_fcontext(fctx_, data);
    fctx_ = t.fctx;
#if defined(TLBSIM_ASAN)
    __sanitizer_finish_switch_fiber(hub_fake, nullptr, nullptr);
#endif
}

void Fiber::yield() {
    switch_to_hub(/*finishing=*/false);
}

void Fiber::switch_to_hub(bool finishing) {
#if defined(TLBSIM_ASAN)
    __sanitizer_start_switch_fiber(finishing ? nullptr : &fake_stack_, hub_stack_bottom_,
                                   hub_stack_size_);
#else
    (void)finishing;
#endif
    ctx::transfer_t t = ctx::jump_fcontext(hub_fctx_, nullptr);
    // Resumed by the hub again (possibly a different hub frame).
    hub_fctx_ = t.fctx;
#if defined(TLBSIM_ASAN)
    __sanitizer_finish_switch_fiber(fake_stack_, &hub_stack_bottom_, &hub_stack_size_);
#endif
}

std::size_t FiberPool::default_stack_size() {
#if defined(TLBSIM_ASAN)
    return 512 * 1024; // ASan's redzones and fake frames need room
#else
    return 64 * 1024;
#endif
}

FiberPool::FiberPool(std::size_t stack_size) : stack_size_(stack_size) {}

FiberPool::~FiberPool() {
    for (void* s : all_) {
        std::free(s);
    }
}

void* FiberPool::acquire() {
    if (!free_.empty()) {
        void* s = free_.back();
        free_.pop_back();
        return s;
    }
    void* s = std::aligned_alloc(64, stack_size_);
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
