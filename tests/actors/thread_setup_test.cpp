#include "actors/runtime/thread_setup.hpp"

#include <pthread.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <thread>
#include <unistd.h>

#include <gtest/gtest.h>

namespace {

int nice_of_this_thread() {
  auto tid = static_cast<id_t>(::syscall(SYS_gettid));
  return ::getpriority(PRIO_PROCESS, tid);
}

} // namespace

using namespace fraud::actors;

TEST(thread_setup, lowers_only_the_calling_thread) {
  auto before = nice_of_this_thread();
  int in_thread = 0;
  std::thread t{[&] {
    setup_this_thread_once("test-a", before + 5);
    in_thread = nice_of_this_thread();
  }};
  t.join();
  EXPECT_EQ(in_thread, before + 5);
  EXPECT_EQ(nice_of_this_thread(), before);
}

TEST(thread_setup, applies_once_per_thread) {
  int seen = 0;
  std::thread t{[&] {
    setup_this_thread_once("test-b", nice_of_this_thread() + 3);
    auto first = nice_of_this_thread();
    setup_this_thread_once("test-c", first + 3);  // ignored: already done
    seen = nice_of_this_thread() - first;
  }};
  t.join();
  EXPECT_EQ(seen, 0);
}

TEST(thread_setup, names_the_thread_shortened_to_what_linux_keeps) {
  char name[32] = {};
  std::thread t{[&] {
    setup_this_thread_once("fraud-snapshots-writer", 0);
    ::pthread_getname_np(::pthread_self(), name, sizeof name);
  }};
  t.join();
  EXPECT_STREQ(name, "fraud-snapshots");
}

TEST(thread_setup, zero_leaves_the_thread_as_it_is) {
  auto before = nice_of_this_thread();
  EXPECT_TRUE(set_this_thread_nice(0));
  EXPECT_EQ(nice_of_this_thread(), before);
}
