// The public API's contract before and after rt_init (one runtime per process,
// so the cases run in file order).
#include <doctest.h>
#include <needm/rt.h>

#include <cstring>

TEST_SUITE("unit") {

TEST_CASE("before rt_init: runtime-context calls refuse, config is validated" * doctest::timeout(30)) {
    rt_config c;
    rt_config_default(&c);
    CHECK(c.extra_m_prealloc == 1);
    CHECK(c.extra_m_max == 0);
    CHECK(c.g_stack_bytes == 64u * 1024u);
    CHECK(c.bind_foreign == RT_BIND_PER_CALL);

    CHECK(rt_cgocall([](void *) {}, nullptr) == RT_ESTATE);
    CHECK(rt_stop_the_world() == RT_ESTATE);
    CHECK(rt_start_the_world() == RT_ESTATE);
    rt_thread *t = nullptr;
    CHECK(rt_thread_create(&t, [](void *) {}, nullptr) == RT_ESTATE);
    CHECK(rt_current_m() == 0);
    CHECK(rt_on_g_stack() == 0);

    rt_config bad = c;
    bad.extra_m_prealloc = 0;
    CHECK(rt_init(&bad) == RT_EINVAL);
    bad = c;
    bad.g_stack_bytes = 1024;
    CHECK(rt_init(&bad) == RT_EINVAL);
    bad = c;
    bad.bind_foreign = 7;
    CHECK(rt_init(&bad) == RT_EINVAL);
    bad = c;
    bad.extra_m_prealloc = 4;
    bad.extra_m_max = 2;
    CHECK(rt_init(&bad) == RT_EINVAL);
}

TEST_CASE("rt_init once; a second call is RT_ESTATE" * doctest::timeout(30)) {
    REQUIRE(rt_init(nullptr) == RT_OK);
    CHECK(rt_init(nullptr) == RT_ESTATE);
    rt_stats s;
    rt_get_stats(&s);
    CHECK(s.extra_total == 1);
    CHECK(s.extra_free == 1);
    CHECK(s.extra_in_use == 0);
}

TEST_CASE("a callback from the main thread borrows an M and gives it back" * doctest::timeout(30)) {
    struct Frame { int in; int out; uint32_t m; int on_g; int extra; } f{20, 0, 0, 0, 0};
    int rc = rt_callback([](void *p) {
        Frame *fr = static_cast<Frame *>(p);
        fr->out = fr->in + 22;
        fr->m = rt_current_m();
        fr->on_g = rt_on_g_stack();
        fr->extra = rt_current_m_is_extra();
    }, &f, sizeof f);
    CHECK(rc == RT_OK);
    CHECK(f.out == 42);
    CHECK(f.m > 0);
    CHECK(f.on_g == 1);
    CHECK(f.extra == 1);
    CHECK(rt_current_m() == 0);
    rt_stats s;
    rt_get_stats(&s);
    CHECK(s.needm_count == 1);
    CHECK(s.dropm_count == 1);
    CHECK(s.callback_count == 1);
    CHECK(s.extra_in_use == 0);
    CHECK(s.extra_total == 2);  // the first needm took the last M: the callback made a spare
}

TEST_CASE("error names" * doctest::timeout(30)) {
    CHECK(std::strstr(rt_strerror(RT_EINVAL), "RT_EINVAL") != nullptr);
    CHECK(std::strstr(rt_strerror(RT_EREENTRANT), "RT_EREENTRANT") != nullptr);
    CHECK(std::strstr(rt_strerror(12345), "unknown") != nullptr);
}

}
