// Shared pieces of the foreign-thread scenarios: one runtime per program,
// configured from the environment (NEEDM_BIND=thread for bound mode,
// NEEDM_EXTRA_M_MAX for a cap), and the checked callback every scenario makes.
#pragma once
#include <doctest.h>
#include <needm/rt.h>

#include "foreign.hpp"
#include "rt_internal.hpp"
#include "support.hpp"

#include <atomic>
#include <functional>
#include <string>

namespace ft {
using namespace needm_test;

bool bound();                 // NEEDM_BIND=thread
// "per-call" or "bound" (a std::string: doctest streams a char* as a pointer)
std::string mode_name();
// rt_init once for this program (later calls do nothing).
void init(uint32_t prealloc = 1, uint32_t g_stack_bytes = 0);
rt_stats stats();

// The state of one foreign worker thread.
struct Worker {
    uint32_t index = 0;
    uint32_t bound_m = 0;   // bound mode: the M this thread got first
    FirstFailure *ff = nullptr;
    ThreadRecord *rec = nullptr;
    void fail(const char *what) { ff->set(what, index); }
};

// One callback from the calling (foreign) thread with every check:
//   inside: check_in_callback() (TLS holds an M whose curg runs and points
//   back, SP on the G stack, the owner word is this thread, g0's bounds hold
//   the entry SP), then inner(arg) if given;
//   after, per-call: the raw TLS slot holds what it held before (empty);
//   after, bound: the slot holds the same M, the same M as every earlier call.
// Returns rt_callback's result; anything other than `expect` is a failure.
int checked_callback(Worker &w, void (*inner)(void *) = nullptr, void *arg = nullptr, int expect = RT_OK);
// Bound mode: forget the thread's M (after rt_release_m).
inline void forget_bound(Worker &w) { w.bound_m = 0; }

// Run n raw foreign threads (the platform's kinds in turn) and join them all.
// body(w) runs on each; stack 0 = the platform default.
void run_threads(int n, FirstFailure &ff, const std::function<void(Worker &)> &body, size_t stack = 0,
                 const char *role = "foreign");

// After every foreign thread has been joined: needm == dropm, no extra M in
// use (bound Ms went back at thread exit), free == total.
void check_quiescent(const char *where);

// Report a failure recorded by a worker, with its thread index.
void check_no_failure(const FirstFailure &ff);

} // namespace ft
