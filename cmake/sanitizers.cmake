# ASan + UBSan build (CI runs the suite in both this and the plain build).
# Fibers: sim/fiber.cpp annotates every stack switch for ASan
# (__sanitizer_start_switch_fiber), so stacks are tracked correctly.
if(TLBSIM_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all)
  add_link_options(-fsanitize=address,undefined)
  add_compile_definitions(TLBSIM_ASAN=1)
endif()
