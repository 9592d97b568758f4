// SPDX-License-Identifier: Apache-2.0
// Change notices: an inotify instance that interrupts one thread with a
// signal when an event is queued, so that the thread learns of a rename or
// another writer's close without a system call of its own.
//
// The kernel queues the signal while it queues the event (inside the
// rename(2) or close(2) that caused it), and the thread runs the handler
// before its next user-space instruction once it is interrupted or returns
// from any system call. The handler only counts: a writer that sees the
// count unchanged since its last look knows that no event was queued for an
// instance directed at it, up to the moment the signal reached it.
//
// The signal is SIGURG, whose default action is to ignore it: the handler is
// installed only while SIGURG has that default, and if a program takes
// SIGURG over, or resets it, a notice is lost, never fatal (the writer's
// audits notice that and go back to reading the instance on every append).
#pragma once

#include <sys/types.h>

#include <atomic>
#include <cstdint>

namespace runner_metrics::detail {

/// How many change notices this process has handled.
extern std::atomic<std::uint64_t> change_notice_count;

/// Installs the process's notice handler, once. False if SIGURG already has
/// another handler (notices are then not used).
bool change_notices_available();

/// Makes `inotify_fd` signal `thread` for every event it queues from now
/// on. False if the kernel refused, or if `thread` (the caller) blocks the
/// signal and so would never see a notice.
bool direct_change_notices(int inotify_fd, pid_t thread);

/// Whether a notice directed at the calling thread would still reach the
/// handler: the program has not taken SIGURG over, and the thread does not
/// block it.
bool change_notices_reach_caller();

/// Makes `inotify_fd` signal no one.
void stop_change_notices(int inotify_fd);

/// The calling thread's id, without a system call after its first use in a
/// thread (and in a child after fork(2)).
pid_t current_thread_id();

}  // namespace runner_metrics::detail
