// The main of every test program: doctest with the needm conventions.
//  - NEEDM_STRESS=quick|full|soak scales the work; NEEDM_SEED fixes the seed.
//  - A skipped program exits 77 (CTest: SKIP_RETURN_CODE) and says why.
//  - A failure ends with one line: what failed, in which cell, and the exact
//    command (seed, scale, emulator) that reproduces it.
//  - A watchdog turns a hang into a report of every thread's phase and M.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest.h>

#include "support.hpp"

#include <cstdlib>
#include <mutex>
#include <string>
#include <vector>

namespace {

std::mutex g_failed_mu;
std::vector<std::string> g_failed;

// A listener: remembers the running test case (for the watchdog) and the
// failed ones (for the reproduction line).
struct NeedmListener : doctest::IReporter {
    explicit NeedmListener(const doctest::ContextOptions &) {}
    void report_query(const doctest::QueryData &) override {}
    void test_run_start() override {}
    void test_run_end(const doctest::TestRunStats &) override {}
    void test_case_start(const doctest::TestCaseData &tc) override {
        needm_test::set_current_test(tc.m_name);
    }
    void test_case_reenter(const doctest::TestCaseData &) override {}
    void test_case_end(const doctest::CurrentTestCaseStats &st) override {
        if (st.failure_flags != 0 || !st.testCaseSuccess) {
            std::lock_guard<std::mutex> lk(g_failed_mu);
            g_failed.emplace_back(doctest::getContextOptions()->currentTest
                                      ? doctest::getContextOptions()->currentTest->m_name
                                      : "?");
        }
    }
    void test_case_exception(const doctest::TestCaseException &) override {}
    void subcase_start(const doctest::SubcaseSignature &) override {}
    void subcase_end() override {}
    void log_assert(const doctest::AssertData &) override {}
    void log_message(const doctest::MessageData &) override {}
    void test_case_skipped(const doctest::TestCaseData &) override {}
};
REGISTER_LISTENER("needm", 1, NeedmListener);

// Per test case; never later than 10 s before CTest's own timeout
// (NEEDM_TEST_TIMEOUT), so the thread report reaches the log before the kill.
unsigned watchdog_seconds() {
    if (const char *w = std::getenv("NEEDM_WATCHDOG_SECONDS")) return unsigned(std::atoi(w));
    unsigned s = 150;
    switch (needm_test::scale()) {
    case needm_test::Scale::quick: s = 150; break;
    case needm_test::Scale::full: s = 270; break;
    default: s = 6 * 3600; break;
    }
    if (const char *t = std::getenv("NEEDM_TEST_TIMEOUT")) {
        int ctest = std::atoi(t);
        if (ctest > 20 && unsigned(ctest - 10) < s) s = unsigned(ctest - 10);
    }
    return s;
}

} // namespace

int main(int argc, char **argv) {
    std::printf("needm test: cell=%s scale=%s seed=%u\n", needm_test::cell(), needm_test::scale_name(),
                needm_test::seed());
    std::fflush(stdout);
    needm_test::watchdog_start(watchdog_seconds());

    doctest::Context ctx;
    ctx.applyCommandLine(argc, argv);
    int rc = ctx.run();
    needm_test::watchdog_stop();
    if (ctx.shouldExit()) return rc;

    if (rc != 0) {
        std::lock_guard<std::mutex> lk(g_failed_mu);
        std::string which = g_failed.empty() ? std::string() : g_failed.front();
        std::printf("needm: FAILED cell=%s test=%s case=\"%s\" seed=%u; reproduce: %s\n", needm_test::cell(),
                    std::getenv("NEEDM_TEST_NAME") ? std::getenv("NEEDM_TEST_NAME") : argv[0], which.c_str(),
                    needm_test::seed(), needm_test::repro_command(which.empty() ? nullptr : which.c_str()).c_str());
        std::fflush(stdout);
        return rc;
    }
    if (needm_test::skipped()) {
        std::fflush(stdout);
        return 77;
    }
    return 0;
}
