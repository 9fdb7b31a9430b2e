#include "actors/runtime/thread_setup.hpp"

#include <pthread.h>
#include <string>
#include <sched.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

#include <gtest/gtest.h>

namespace {

int nice_of_this_thread() {
  auto tid = static_cast<id_t>(::syscall(SYS_gettid));
  return ::getpriority(PRIO_PROCESS, tid);
}

std::string name_of_this_thread() {
  char name[32] = {};
  ::pthread_getname_np(::pthread_self(), name, sizeof name);
  return name;
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
  auto before = nice_of_this_thread();
  int first = 0, second = 0;
  std::string first_name, second_name;
  std::thread t{[&] {
    setup_this_thread_once("test-b", before + 3);
    first = nice_of_this_thread();
    first_name = name_of_this_thread();
    setup_this_thread_once("test-c", before + 6);  // ignored: already done
    second = nice_of_this_thread();
    second_name = name_of_this_thread();
  }};
  t.join();
  // The first call did its work (else "ignored" would prove nothing) ...
  EXPECT_EQ(first, before + 3);
  EXPECT_EQ(first_name, "test-b");
  // ... and the second changed neither.
  EXPECT_EQ(second, first);
  EXPECT_EQ(second_name, "test-b");
}

TEST(thread_setup, names_the_thread_shortened_to_what_linux_keeps) {
  std::string name;
  std::thread t{[&] {
    setup_this_thread_once("fraud-snapshots-writer", 0);
    name = name_of_this_thread();
  }};
  t.join();
  EXPECT_EQ(name, "fraud-snapshots");
}

TEST(thread_setup, zero_leaves_the_thread_as_it_is) {
  auto before = nice_of_this_thread();
  EXPECT_TRUE(set_this_thread_nice(0));
  EXPECT_EQ(nice_of_this_thread(), before);
}

// Where the system allows it (CAP_SYS_NICE or an RLIMIT_RTPRIO), the
// calling thread alone runs SCHED_RR at the priority asked, and a child
// it forks does not; where it refuses, the thread runs as before.
TEST(thread_setup, a_real_time_priority_is_the_calling_threads_alone) {
  bool applied = false;
  int policy = -1, priority = -1, child_policy = -1;
  std::thread t{[&] {
    applied = set_this_thread_realtime(7);
    policy = ::sched_getscheduler(0) & ~SCHED_RESET_ON_FORK;
    sched_param p{};
    ::sched_getparam(0, &p);
    priority = p.sched_priority;
    int pipe_fds[2];
    ASSERT_EQ(::pipe(pipe_fds), 0);
    auto pid = ::fork();
    if (pid == 0) {
      int child = ::sched_getscheduler(0);
      (void)!::write(pipe_fds[1], &child, sizeof child);
      ::_exit(0);
    }
    (void)!::read(pipe_fds[0], &child_policy, sizeof child_policy);
    ::waitpid(pid, nullptr, 0);
    ::close(pipe_fds[0]);
    ::close(pipe_fds[1]);
  }};
  t.join();
  EXPECT_EQ(::sched_getscheduler(0), SCHED_OTHER) << "only the thread";
  EXPECT_EQ(child_policy, SCHED_OTHER) << "children run normally";
  if (applied) {
    EXPECT_EQ(policy, SCHED_RR);
    EXPECT_EQ(priority, 7);
  } else {
    EXPECT_EQ(policy, SCHED_OTHER);
  }
  EXPECT_TRUE(set_this_thread_realtime(0)) << "0 leaves the thread";
  EXPECT_EQ(::sched_getscheduler(0), SCHED_OTHER);
}
