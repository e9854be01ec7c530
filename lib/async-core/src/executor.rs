//! The executor: the kernel's scheduler.
//!
//! One executor runs on one core (on the host: one thread). It owns a run
//! queue of tasks that were woken, a table of live tasks, and a timer queue.
//! Ready tasks wait in two FIFOs (`queue.rs`): the *inbox*, a lock-free queue
//! that any waker may push to (a task, an interrupt handler, another core),
//! and the *ready list*, which only the loop touches. Its loop:
//!
//! 1. poll the main future (`block_on`) if it was woken;
//! 2. wake the tasks whose timers have expired (up to [`BATCH`] at a time);
//! 3. move the inbox to the end of the ready list, then poll up to [`BATCH`]
//!    tasks from the ready list in FIFO order, taking the inbox over again
//!    whenever the list runs dry. A task that keeps waking itself goes to the
//!    back each time, so it cannot starve others; a task woken from elsewhere
//!    waits at most one batch longer than it would in a single queue; and the
//!    batch limit keeps timers and the main future responsive;
//! 4. if nothing is ready, sleep through [`Platform::idle`] until an
//!    interrupt (or another thread) makes something ready or the earliest
//!    timer is due. The kernel's platform masks IRQs, checks once more, and
//!    executes WFI, so a wake that lands between the check and the WFI still
//!    ends the sleep.
//!
//! Each task counts its polls. Poll timing is off by default (reading the
//! clock after every poll costs about 25 instructions of a task switch in
//! the kernel, and half a `yield_now` on the host): switched on
//! with [`Executor::set_poll_timing`] or [`Executor::set_long_poll`], each
//! task also records its total and longest poll, and a poll longer than the
//! long-poll threshold (default 10 ms) is reported with the task's name,
//! because a cooperative scheduler cannot preempt a task that never awaits.
//!
//! A task that wakes itself during its poll (`yield_now`, a spent
//! cooperative budget) is put on the ready list when the poll returns,
//! without an atomic wake or a state transition (see `poll_context`).
//!
//! Only one thread (core) at a time may run an executor's loop: `block_on`
//! and `run_until_stalled` panic if it is already running, whether on
//! another thread or further up this one's stack (a task calling `block_on`
//! on its own executor).

use crate::context;
use crate::lock::Lock;
use crate::loom::Arc;
use crate::loom::atomic::{AtomicBool, AtomicPtr, AtomicU64, Ordering};
use crate::poll_context::PollRecord;
use crate::queue::{QueueLink, ReadyList, RunQueue};
use crate::table::TaskTable;
use crate::task::{
    self, COMPLETE, HANDLE, Header, JoinHandle, LISTED, NAMED, OUTPUT, REF_ONE, RUNNING, SCHEDULED,
    SpawnError, TaskId, drop_ref, running_waker,
};
use crate::time::{self, TimerQueue};
use alloc::boxed::Box;
use alloc::vec::Vec;
use core::future::Future;
use core::pin::pin;
use core::ptr::NonNull;
use core::task::{Context, Poll, RawWaker, RawWakerVTable, Waker};
use core::time::Duration;

/// Most tasks polled before the executor looks at timers and the main future again.
pub const BATCH: usize = 64;

/// Default long-poll threshold.
pub const DEFAULT_LONG_POLL: Duration = Duration::from_millis(10);

/// What an executor needs from the machine it runs on.
pub trait Platform: Send + Sync + 'static {
    /// Sleeps until `ready()` would return true, an interrupt or
    /// [`notify`](Platform::notify) arrives, or the clock reaches `deadline`
    /// (in clock ticks; `None`: no timer pending). Must not miss a wake that
    /// happens after `ready()` returned false: the kernel masks IRQs, checks,
    /// then executes WFI (which wakes on a pending interrupt even while masked).
    /// Returning early is always allowed.
    fn idle(&self, deadline: Option<u64>, ready: &dyn Fn() -> bool);

    /// Called after a task was queued from outside the executor's own loop
    /// (another thread or core); wakes the executor if it is idle.
    fn notify(&self);

    /// Whether [`notify`](Platform::notify) does anything. A platform whose
    /// wakes all come from its own loop or from interrupts (which end `idle`
    /// by themselves) answers false, and wakes skip the call. Asked once.
    fn needs_notify(&self) -> bool {
        true
    }

    /// Whether the code running now may be an interrupt handler (which may
    /// have interrupted the executor's loop half way through its ready
    /// list). Asked when a task is woken on the loop's own core or thread;
    /// on true the wake goes through the lock-free inbox instead of straight
    /// onto the ready list. Answering true when unsure is always safe (the
    /// kernel answers "IRQs are masked", which includes a task's critical
    /// sections). Default: false (no interrupts, as on the host).
    fn in_interrupt(&self) -> bool {
        false
    }
}

/// What to call when a poll takes longer than the long-poll threshold. It is
/// called after the task is back in order, so a hook that panics (on the
/// host) loses no task.
pub type LongPollHook = fn(&TaskInfo, Duration);

/// The state of a live task, as introspection reports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TaskState {
    /// Woken and waiting in the run queue.
    Ready,
    /// Being polled right now.
    Running,
    /// Waiting for a wake.
    Waiting,
}

impl TaskState {
    /// Lower-case name ("ready", "running", "waiting").
    pub const fn name(self) -> &'static str {
        match self {
            Self::Ready => "ready",
            Self::Running => "running",
            Self::Waiting => "waiting",
        }
    }
}

/// A snapshot of one live task.
#[derive(Clone, Debug)]
pub struct TaskInfo {
    /// The task's id.
    pub id: TaskId,
    /// Its name, if it was spawned with one.
    pub name: Option<&'static str>,
    /// Ready, running or waiting.
    pub state: TaskState,
    /// How many times it was polled.
    pub polls: u32,
    /// Time spent in all its polls.
    pub total_poll: Duration,
    /// Its longest single poll.
    pub longest_poll: Duration,
    /// Heap bytes of its allocation (header + future).
    pub allocation_size: usize,
}

/// Executor-wide counters.
#[derive(Clone, Copy, Debug, Default)]
pub struct ExecutorStats {
    /// Tasks spawned so far.
    pub spawned: u64,
    /// Tasks that finished (including aborted ones).
    pub finished: u64,
    /// Tasks alive now (not finished).
    pub live: usize,
    /// Polls of tasks so far.
    pub polls: u64,
    /// Polls that exceeded the long-poll threshold.
    pub long_polls: u64,
    /// Time spent idle (inside [`Platform::idle`]).
    pub idle: Duration,
    /// Time since the executor was created.
    pub uptime: Duration,
    /// Timers currently registered.
    pub timers: usize,
    /// Heap bytes used by the task table.
    pub table_bytes: usize,
    /// Whether polls are being timed ([`Executor::set_poll_timing`]).
    pub poll_timing: bool,
}

struct Table {
    tasks: TaskTable,
    /// Names of the named tasks, sorted by id (few tasks have one).
    names: Vec<(u32, &'static str)>,
}

impl Table {
    fn name(&self, id: u32) -> Option<&'static str> {
        self.names.binary_search_by_key(&id, |&(i, _)| i).ok().map(|at| self.names[at].1)
    }

    fn set_name(&mut self, id: u32, name: &'static str) {
        match self.names.binary_search_by_key(&id, |&(i, _)| i) {
            Ok(at) => self.names[at].1 = name,
            Err(at) => self.names.insert(at, (id, name)),
        }
    }

    fn clear_name(&mut self, id: u32) {
        if let Ok(at) = self.names.binary_search_by_key(&id, |&(i, _)| i) {
            self.names.remove(at);
        }
    }
}

/// State shared between the executor's loop, its tasks' wakers and handles.
pub(crate) struct Shared {
    /// Tasks woken from anywhere (lock-free, any thread or interrupt).
    inbox: RunQueue,
    /// Tasks the loop queued itself or took over from the inbox (loop only).
    ready: ReadyList,
    /// Whether a thread is running the loop (`block_on`, `run_until_stalled`).
    looping: AtomicBool,
    /// The poll in progress: which task, its budget, whether it woke itself
    /// (`poll_context`).
    pub(crate) record: PollRecord,
    table: Lock<Table>,
    pub(crate) timers: Lock<TimerQueue>,
    /// Earliest timer deadline, `u64::MAX` if none (a lock-free cache of the
    /// timer queue's head, updated under its lock).
    pub(crate) next_deadline: AtomicU64,
    /// Every timer with a deadline at or before this has fired: its `Sleep`
    /// has nothing left to remove from the queue (no lock needed).
    pub(crate) fired_through: AtomicU64,
    main_notified: AtomicBool,
    platform: Box<dyn Platform>,
    /// `platform.needs_notify()`, asked once.
    needs_notify: bool,
    spawned: AtomicU64,
    finished: AtomicU64,
    polls: AtomicU64,
    long_polls: AtomicU64,
    idle_ticks: AtomicU64,
    created_at: u64,
    long_poll_ticks: AtomicU64,
    long_poll_hook: Lock<LongPollHook>,
    /// Whether each poll is timed (per-task poll time, long-poll reports).
    poll_timing: AtomicBool,
    /// This Shared's address as `Arc::as_ptr` gives it: provenance over the
    /// whole Arc allocation, so a task can rebuild the `Arc` from its link.
    /// (A pointer taken from `&self` would cover only the fields.)
    owner: AtomicPtr<Shared>,
}

/// An executor. Create one per core (the kernel) or per thread (host), run it
/// with [`Executor::block_on`]; dropping it aborts every task still alive.
pub struct Executor {
    shared: Arc<Shared>,
}

impl Executor {
    /// A new executor that sleeps and wakes through `platform`.
    pub fn new(platform: impl Platform) -> Self {
        let frequency = time::frequency();
        let shared = Arc::new(Shared {
            inbox: RunQueue::new(),
            ready: ReadyList::new(),
            looping: AtomicBool::new(false),
            record: PollRecord::new(),
            table: Lock::new(Table { tasks: TaskTable::new(), names: Vec::new() }),
            timers: Lock::new(TimerQueue::new()),
            next_deadline: AtomicU64::new(u64::MAX),
            fired_through: AtomicU64::new(0),
            main_notified: AtomicBool::new(false),
            needs_notify: platform.needs_notify(),
            platform: Box::new(platform),
            spawned: AtomicU64::new(0),
            finished: AtomicU64::new(0),
            polls: AtomicU64::new(0),
            long_polls: AtomicU64::new(0),
            idle_ticks: AtomicU64::new(0),
            created_at: time::now_ticks(),
            long_poll_ticks: AtomicU64::new(duration_to_ticks(DEFAULT_LONG_POLL, frequency)),
            long_poll_hook: Lock::new(log_long_poll),
            poll_timing: AtomicBool::new(false),
            owner: AtomicPtr::new(core::ptr::null_mut()),
        });
        shared.owner.store(Arc::as_ptr(&shared) as *mut Shared, Ordering::Release);
        shared.inbox.init();
        shared.ready.init();
        Self { shared }
    }

    /// Spawns `future` as a task on this executor. Panics (through the
    /// allocation-error handler) if the heap cannot hold it; see
    /// [`try_spawn`](Executor::try_spawn).
    pub fn spawn<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        match Shared::spawn(&self.shared, future, None, true) {
            Ok(handle) => handle,
            Err(_) => unreachable!("an infallible spawn does not fail"),
        }
    }

    /// Spawns `future` with a name that introspection shows.
    pub fn spawn_named<F>(&self, name: &'static str, future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        match Shared::spawn(&self.shared, future, Some(name), true) {
            Ok(handle) => handle,
            Err(_) => unreachable!("an infallible spawn does not fail"),
        }
    }

    /// Spawns `future`, or gives it back if the heap cannot hold the task.
    pub fn try_spawn<F>(&self, future: F) -> Result<JoinHandle<F::Output>, SpawnError<F>>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        Shared::spawn(&self.shared, future, None, false)
    }

    /// Runs the executor until `future` completes and returns its output. The
    /// future runs on the caller's stack, polled whenever it is woken; tasks
    /// run in between. Inside, [`crate::spawn`] and the time functions use
    /// this executor.
    ///
    /// # Panics
    /// If this executor is already running: inside one of its own tasks, or
    /// on another thread.
    pub fn block_on<F: Future>(&self, future: F) -> F::Output {
        let _running = LoopGuard::take(&self.shared);
        let _enter = context::enter(&self.shared);
        let mut future = pin!(future);
        let waker = main_waker(&self.shared);
        let mut cx = Context::from_waker(&waker);
        // SAFETY: dropped before `self`; handed only to `run_batch`.
        let lent = unsafe { self.shared.lent_waker() };
        self.shared.main_notified.store(true, Ordering::Release);
        loop {
            if self.shared.main_notified.swap(false, Ordering::AcqRel)
                && let Poll::Ready(output) = {
                    // No task: its wakes go through the main waker.
                    self.shared.record.begin(core::ptr::null_mut());
                    future.as_mut().poll(&mut cx)
                }
            {
                return output;
            }
            let worked = self.shared.run_batch(&lent);
            if !worked && !self.shared.main_notified.load(Ordering::Acquire) {
                // Fire what woke us at once: if it was a timer of the main
                // future, that is polled next without a turn over the queue.
                let now = self.shared.idle();
                self.shared.fire_timers(now);
            }
        }
    }

    /// Runs tasks and due timers until none is ready; does not sleep.
    /// Returns the number of tasks polled.
    ///
    /// # Panics
    /// If this executor is already running (see [`block_on`](Executor::block_on)).
    pub fn run_until_stalled(&self) -> usize {
        let _running = LoopGuard::take(&self.shared);
        let _enter = context::enter(&self.shared);
        // SAFETY: dropped before `self`; handed only to `run_batch`.
        let lent = unsafe { self.shared.lent_waker() };
        let mut polled = 0;
        loop {
            let before = self.shared.polls.load(Ordering::Relaxed);
            let worked = self.shared.run_batch(&lent);
            polled += (self.shared.polls.load(Ordering::Relaxed) - before) as usize;
            if !worked {
                return polled;
            }
        }
    }

    /// A snapshot of every live task, in id order.
    pub fn tasks(&self) -> Vec<TaskInfo> {
        self.shared.tasks()
    }

    /// The first `limit` live tasks in id order, and how many are live in all:
    /// a bounded snapshot for a display when there may be 100,000 tasks.
    pub fn task_snapshot(&self, limit: usize) -> (Vec<TaskInfo>, usize) {
        self.shared.task_snapshot(limit)
    }

    /// Executor-wide counters.
    pub fn stats(&self) -> ExecutorStats {
        self.shared.stats()
    }

    /// Sets the long-poll threshold and what to call when a poll exceeds it,
    /// and switches poll timing on (long polls are found by timing polls).
    pub fn set_long_poll(&self, threshold: Duration, hook: LongPollHook) {
        self.shared
            .long_poll_ticks
            .store(duration_to_ticks(threshold, time::frequency()), Ordering::Relaxed);
        self.shared.long_poll_hook.with(|h| *h = hook);
        self.set_poll_timing(true);
    }

    /// Switches poll timing on or off. On, every poll costs a clock read and
    /// each task's total and longest poll times are recorded ([`TaskInfo`]),
    /// and polls over the long-poll threshold are reported; off (the
    /// default), tasks only count their polls. Takes effect at the next batch.
    pub fn set_poll_timing(&self, enabled: bool) {
        self.shared.poll_timing.store(enabled, Ordering::Relaxed);
    }
}

/// Finishes a task whose poll panicked (on the host; the kernel aborts on a
/// panic), as the panic unwinds out of the executor: the future is gone (the
/// task's poll dropped it) and the handle reports the task aborted, so the
/// executor stays usable and can be dropped (a task left RUNNING could never
/// be finished). Forgotten when the poll returns; with `panic = abort` it
/// compiles to nothing.
struct UnwindGuard<'a> {
    shared: &'a Shared,
    header: NonNull<Header>,
}

impl Drop for UnwindGuard<'_> {
    fn drop(&mut self) {
        self.shared.record.end();
        // SAFETY: the poll unwound: RUNNING is still ours, the queue's
        // reference keeps the task alive, and the poll left no future (nor
        // an output) in the stage.
        unsafe {
            self.header.as_ref().state.fetch_or(task::ABORTED, Ordering::AcqRel);
            self.shared.finish(self.header, false);
        }
    }
}

/// Marks the executor's loop as running on this thread for its lifetime:
/// the run queues have a single consumer.
struct LoopGuard<'a> {
    shared: &'a Shared,
}

impl<'a> LoopGuard<'a> {
    fn take(shared: &'a Shared) -> Self {
        if shared.looping.swap(true, Ordering::Acquire) {
            panic!(
                "executor already running: block_on or run_until_stalled called from one \
                 of its own tasks, or from two threads at once"
            );
        }
        Self { shared }
    }
}

impl Drop for LoopGuard<'_> {
    fn drop(&mut self) {
        self.shared.looping.store(false, Ordering::Release);
    }
}

impl Drop for Executor {
    fn drop(&mut self) {
        let _enter = context::enter(&self.shared);
        // Like a Vec dropping its elements: should a future's `Drop` panic
        // (on the host), the other tasks are still aborted as the panic
        // unwinds (a second panic then aborts the process).
        let shared = &self.shared;
        // SAFETY: `&mut self`: no loop is running, and none can start.
        let on_unwind = task::finally(|| unsafe { shared.abort_all() });
        // SAFETY: as above.
        unsafe { shared.abort_all() };
        core::mem::forget(on_unwind);
    }
}

/// References taken on tasks, released as they are handed out or when
/// dropped (a panic while aborting one of them leaks none of the rest).
struct TakenRefs(alloc::vec::IntoIter<NonNull<Header>>);

impl Drop for TakenRefs {
    fn drop(&mut self) {
        for task in &mut self.0 {
            // SAFETY: each holds the reference taken on it.
            unsafe { drop_ref(task, 1) };
        }
    }
}

impl Shared {
    /// Aborts every live task and empties the run queues: the executor's
    /// drop.
    ///
    /// # Safety
    /// No loop runs this executor, and none starts meanwhile.
    unsafe fn abort_all(&self) {
        // Dropping futures may spawn or wake: repeat until nothing is live.
        loop {
            let mut live: Vec<NonNull<Header>> = Vec::new();
            self.table.with(|t| {
                t.tasks.for_each(|_, task| {
                    // SAFETY: listed tasks hold the table's reference.
                    unsafe { task::inc_ref(task) };
                    live.push(task);
                })
            });
            let nothing_live = live.is_empty();
            let mut live = TakenRefs(live.into_iter());
            // Queued tasks (including those aborted now) are unlisted when
            // popped.
            // SAFETY: no loop runs: we are the queues' only consumer.
            while let Some(link) = unsafe { self.pop_ready() } {
                // SAFETY: the queue owned a reference; pop transfers it to us.
                unsafe { self.discard_queued(link.cast()) };
            }
            if nothing_live {
                break;
            }
            for task in live.0.by_ref() {
                // SAFETY: we took a reference above (released even if the
                // abort panics).
                let _release = task::finally(|| unsafe { drop_ref(task, 1) });
                // SAFETY: as above.
                unsafe { task::abort_task(task) };
            }
        }
    }

    /// Spawns a task on this executor (`Executor::spawn`, `crate::spawn`, ...).
    pub(crate) fn spawn<F>(
        this: &Arc<Self>,
        future: F,
        name: Option<&'static str>,
        infallible: bool,
    ) -> Result<JoinHandle<F::Output>, SpawnError<F>>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        // References: the handle, the run queue, the task table.
        let mut state = SCHEDULED | HANDLE | LISTED | (3 * REF_ONE);
        if name.is_some() {
            state |= NAMED;
        }
        // The task owns one strong count of `self`, kept in its link.
        let owner = Arc::into_raw(this.clone()) as *mut QueueLink;
        let header = match task::allocate(future, state, owner, infallible) {
            Ok(header) => header,
            Err(future) => {
                // SAFETY: the count taken above, not handed to any task.
                drop(unsafe { Arc::from_raw(owner as *const Shared) });
                return Err(SpawnError { future, reason: task::SpawnErrorKind::OutOfMemory });
            }
        };
        let listed = this.table.with(|t| {
            let id = t.tasks.insert(header).ok()?;
            if let Some(name) = name {
                t.set_name(id, name);
            }
            Some(id)
        });
        let Some(id) = listed else {
            // The table could not grow: undo the allocation.
            // SAFETY: nobody else knows the task; we own it entirely and the
            // future is still in the stage.
            let future = unsafe { task::take_unstarted_future::<F>(header) };
            if infallible {
                alloc::alloc::handle_alloc_error(core::alloc::Layout::new::<[usize; 512]>());
            }
            return Err(SpawnError { future, reason: task::SpawnErrorKind::OutOfMemory });
        };
        // SAFETY: the header is alive (we hold all its references).
        unsafe { header.as_ref() }.id.store(id, Ordering::Relaxed);
        this.spawned.fetch_add(1, Ordering::Relaxed);
        // SAFETY: the queue's reference is part of the initial count.
        unsafe { this.enqueue(header) };
        // SAFETY: the handle's reference and HANDLE flag are part of the initial state.
        Ok(unsafe { JoinHandle::from_raw(header) })
    }

    /// Queues a woken (or new) task: straight onto the ready list when the
    /// wake comes from this executor's own loop or one of its tasks (this
    /// thread or core runs the loop, and not in an interrupt handler),
    /// otherwise into the lock-free inbox, waking the executor if it sleeps.
    ///
    /// # Safety
    /// The caller hands over one reference for the queue and has set
    /// `SCHEDULED`; the task belongs to this executor and is not queued.
    pub(crate) unsafe fn enqueue(&self, header: NonNull<Header>) {
        // `current` is this executor only while its loop (or its drop, which
        // has it exclusively) runs on this thread or core.
        if core::ptr::eq(context::current_ptr(), self) && !self.platform.in_interrupt() {
            // SAFETY: forwarded from the caller; the loop is on this thread,
            // suspended outside any ready-list operation (in a poll, a waker
            // it called, or a drop), and no interrupt handler is running.
            unsafe { self.ready.push(header.cast()) };
        } else {
            // SAFETY: forwarded from the caller.
            unsafe { self.inbox.push(header.cast()) };
            self.notify();
        }
    }

    /// Wakes the executor if it may be idle and the platform needs telling.
    #[inline]
    pub(crate) fn notify(&self) {
        if self.needs_notify {
            self.platform.notify();
        }
    }

    /// Removes the task from the table (if still listed) and drops the
    /// table's reference.
    ///
    /// # Safety
    /// The caller holds a reference to the task.
    pub(crate) unsafe fn unlist(&self, header: NonNull<Header>) {
        // SAFETY: the caller holds a reference.
        let h = unsafe { header.as_ref() };
        let was_listed = self.table.with(|t| {
            let previous = h.state.fetch_and(!LISTED, Ordering::AcqRel);
            if previous & LISTED == 0 {
                return false;
            }
            let id = h.id.load(Ordering::Relaxed);
            t.tasks.remove(id);
            if previous & NAMED != 0 {
                t.clear_name(id);
            }
            true
        });
        if was_listed {
            self.finished.fetch_add(1, Ordering::Relaxed);
            // SAFETY: the table's reference, released exactly once (LISTED).
            unsafe { drop_ref(header, 1) };
        }
    }

    /// A popped task that will not be polled (executor shutting down or task
    /// already complete): restore its owner link, unlist, release.
    ///
    /// # Safety
    /// `header` was just popped from this executor's queue (we own the
    /// queue's reference).
    unsafe fn discard_queued(&self, header: NonNull<Header>) {
        // SAFETY: popped, so we own the link and a reference.
        unsafe {
            header.as_ref().link.next.store(self.as_owner(), Ordering::Release);
            let state = header.as_ref().state.load(Ordering::Acquire);
            if state & RUNNING != 0 {
                // Re-queued after waking itself, still RUNNING: drop the
                // future ourselves (`finish` releases the queue's reference);
                // its handle reports it aborted.
                header.as_ref().state.fetch_or(task::ABORTED, Ordering::AcqRel);
                self.drop_future_and_finish(header);
                return;
            }
            if state & COMPLETE != 0 {
                self.unlist(header);
            } else {
                // Not complete: clear SCHEDULED so a later wake can queue it again.
                header.as_ref().state.fetch_and(!SCHEDULED, Ordering::AcqRel);
            }
            drop_ref(header, 1);
        }
    }

    #[inline(always)]
    fn as_owner(&self) -> *mut QueueLink {
        // Relaxed: stored once, before the executor was shared with anyone.
        self.owner.load(Ordering::Relaxed) as *mut QueueLink
    }

    /// Moves every task in the inbox to the end of the ready list.
    ///
    /// # Safety
    /// Called by the thread running the loop (or dropping the executor).
    #[inline(never)]
    unsafe fn take_inbox(&self) {
        // SAFETY: the caller is the inbox's only consumer and the list's only user.
        unsafe {
            while let Some(link) = self.inbox.pop() {
                self.ready.push(link);
            }
        }
    }

    /// The next ready task, taking the inbox over when the ready list is empty.
    ///
    /// # Safety
    /// As [`take_inbox`](Shared::take_inbox).
    #[inline(always)]
    unsafe fn pop_ready(&self) -> Option<NonNull<QueueLink>> {
        // SAFETY: forwarded from the caller.
        unsafe {
            match self.ready.pop() {
                Some(link) => Some(link),
                None => {
                    // The oldest is polled at once, the rest go on the list
                    // (behind it, should it wake itself).
                    let first = self.inbox.pop()?;
                    if !self.inbox.is_empty() {
                        self.take_inbox();
                    }
                    Some(first)
                }
            }
        }
    }

    /// The waker this executor lends to every poll it makes: it names the
    /// poll record, which names the task being polled (`poll_context`). The
    /// loop makes it once instead of a waker per poll. (The `Context` around
    /// it is made per poll: a task may replace the `Context` it is given,
    /// and that must not reach the next task.)
    ///
    /// # Safety
    /// The waker must not outlive `self`, and goes only to task polls
    /// (`run_batch`).
    unsafe fn lent_waker(&self) -> core::mem::ManuallyDrop<Waker> {
        // SAFETY: forwarded: the record lives as long as `self`, and each
        // poll is of the task the record names as running.
        unsafe { running_waker(&self.record) }
    }

    /// Fires due timers, then polls up to BATCH queued tasks. Returns whether
    /// any task was polled. `lent` is the [`lent_waker`](Shared::lent_waker).
    fn run_batch(&self, lent: &Waker) -> bool {
        self.fire_timers(time::now_ticks());
        // Tasks woken from elsewhere since the last batch go behind the ones
        // already on the ready list, so a yielding task cannot hold them off
        // for more than a batch.
        // SAFETY: the loop guard makes this thread the loop's only runner.
        unsafe { self.take_inbox() };
        let timing = self.poll_timing.load(Ordering::Relaxed);
        // Poll times start after the timers fired: firing thousands of due
        // timers is the executor's work, not the first task's.
        let mut last = if timing { time::now_ticks() } else { 0 };
        // Counted down: one instruction fewer per task than counting up.
        let mut left = BATCH;
        while left > 0 {
            // SAFETY: as above.
            let Some(link) = (unsafe { self.pop_ready() }) else { break };
            // SAFETY: popped from our queue: we own its reference; `lent` is
            // our lent waker.
            unsafe { self.run_task(link.cast(), lent, timing.then_some(&mut last)) };
            left -= 1;
        }
        let polled = BATCH - left;
        if polled == 0 {
            return false;
        }
        // Only the executor writes it: no read-modify-write needed.
        self.polls.store(self.polls.load(Ordering::Relaxed) + polled as u64, Ordering::Relaxed);
        true
    }

    /// Polls one task taken off the ready list. With poll timing on, `last`
    /// is when the previous poll ended (and becomes when this one did).
    ///
    /// A task's link names its executor whenever it is neither queued nor
    /// RUNNING (wakers and `free_task` read it then). A task the loop
    /// re-queued after it woke itself is still RUNNING, so its link is left
    /// as the list made it until the task stops running: [`release`](Shared::release)
    /// and [`finish`](Shared::finish) restore it.
    ///
    /// # Safety
    /// `header` was just popped from this executor's ready list; `lent` is
    /// this executor's [`lent_waker`](Shared::lent_waker).
    #[inline(always)]
    unsafe fn run_task(&self, header: NonNull<Header>, lent: &Waker, last: Option<&mut u64>) {
        // SAFETY: we own the queue's reference.
        let h = unsafe { header.as_ref() };
        // Relaxed: a wake (SCHEDULED) or abort missed here is seen at the end
        // of this poll (the release re-queues or finishes the task) or at its
        // next turn (if it wakes itself again); either way it is not lost.
        let current = h.state.load(Ordering::Relaxed);
        // A queued task without SCHEDULED is one the loop re-queued after it
        // woke itself, still RUNNING: every other way onto the list or the
        // inbox sets SCHEDULED first, and nothing else clears it meanwhile.
        if current & (SCHEDULED | task::ABORTED) != 0 {
            // Not simply a task that woke itself: from the inbox, woken or
            // aborted again while queued, or complete.
            // SAFETY: popped from our list; `current` was read just now.
            if !unsafe { self.claim(header, current) } {
                return;
            }
        } else {
            debug_assert!(
                current & RUNNING != 0,
                "a queued task is SCHEDULED or re-queued RUNNING"
            );
        }

        self.record.begin(header.as_ptr());
        let unwinding = UnwindGuard { shared: self, header };
        // SAFETY: RUNNING is ours and the future is present (not COMPLETE);
        // the queue's reference keeps the task alive for the poll.
        // A fresh Context each poll (a few stores): one the task replaced
        // goes no further than its own poll.
        let result = unsafe { (h.vtable.poll)(header, &mut Context::from_waker(lent)) };
        core::mem::forget(unwinding);
        let woke_itself = self.record.end();
        // Only the executor writes it: plain load/store, no read-modify-write.
        h.polls.store(h.polls.load(Ordering::Relaxed).wrapping_add(1), Ordering::Relaxed);
        let Some(last) = last else {
            // SAFETY: RUNNING is ours, the queue's reference too.
            unsafe { self.after_poll(header, result, woke_itself) };
            return;
        };
        let now = time::now_ticks();
        let long_poll = self.record_poll_time(header, now.wrapping_sub(*last));
        *last = now;
        // SAFETY: as above.
        unsafe { self.after_poll(header, result, woke_itself) };
        // Reported once the task is back in order (queued, idle or
        // finished): a hook that panics loses no task.
        if let Some(long_poll) = long_poll {
            self.report_long_poll(long_poll);
        }
    }

    /// Puts a task back in order after a poll that returned `result`:
    /// finished, re-queued (it woke itself) or released.
    ///
    /// # Safety
    /// The caller holds RUNNING and owns the queue's reference; the future
    /// is present unless `result` is Ready.
    #[inline(always)]
    unsafe fn after_poll(&self, header: NonNull<Header>, result: Poll<()>, woke_itself: bool) {
        match result {
            // SAFETY: RUNNING is ours, the output is stored.
            Poll::Ready(()) => unsafe { self.finish(header, true) },
            Poll::Pending if woke_itself => {
                // It woke itself (`yield_now`, a spent budget): to the end of
                // the ready list, keeping RUNNING — no state transition now
                // or when it comes round again. Wakes meanwhile only set
                // SCHEDULED; an abort only sets ABORTED (both send the next
                // turn through `claim`).
                // SAFETY: not queued; the queue's reference is reused; we are the loop.
                unsafe { self.ready.push(header.cast()) };
            }
            // SAFETY: RUNNING is ours, the poll returned Pending.
            Poll::Pending => unsafe { self.release(header) },
        }
    }

    /// Prepares a popped task for its poll when it is not simply a task that
    /// woke itself: takes it from SCHEDULED to RUNNING (a task from the
    /// inbox), clears a SCHEDULED set while it was queued still RUNNING (this
    /// poll serves that wake), or finishes a task aborted while queued.
    /// Returns whether to poll it; if not, the queue's reference is released.
    ///
    /// # Safety
    /// `header` was just popped from this executor's ready list (the caller
    /// owns the queue's reference) and `current` is a state read since.
    #[inline(never)]
    unsafe fn claim(&self, header: NonNull<Header>, mut current: u32) -> bool {
        // SAFETY: the caller owns the queue's reference.
        let h = unsafe { header.as_ref() };
        if current & RUNNING != 0 {
            // Re-queued by us after it woke itself, still RUNNING: the stage
            // is ours (only this executor sets RUNNING on a queued task;
            // `abort` leaves queued tasks to us).
            current = h.state.fetch_and(!SCHEDULED, Ordering::AcqRel);
        } else {
            // From the inbox (or woken while RUNNING and re-queued by `release`).
            loop {
                if current & COMPLETE != 0 {
                    // Finished while queued (its future is gone). Not queued
                    // any more: the link names the owner again, for the last
                    // reference's release.
                    h.link.next.store(self.as_owner(), Ordering::Relaxed);
                    // SAFETY: we own the queue's reference.
                    unsafe {
                        self.unlist(header);
                        drop_ref(header, 1);
                    }
                    return false;
                }
                let new = (current & !SCHEDULED) | RUNNING;
                match h.state.compare_exchange_weak(
                    current,
                    new,
                    Ordering::AcqRel,
                    Ordering::Acquire,
                ) {
                    Ok(_) => {
                        current = new;
                        break;
                    }
                    Err(actual) => current = actual,
                }
            }
        }
        if current & task::ABORTED != 0 {
            // Aborted while queued: drop the future without polling it.
            // SAFETY: RUNNING is ours and the future present.
            unsafe { self.drop_future_and_finish(header) };
            return false;
        }
        true
    }

    /// After a poll that returned Pending without the task waking itself:
    /// gives up RUNNING, or re-queues the task if it was woken meanwhile, or
    /// finishes it if it was aborted during the poll.
    ///
    /// # Safety
    /// The caller holds RUNNING and owns the queue's reference; the future is present.
    #[inline(never)]
    unsafe fn release(&self, header: NonNull<Header>) {
        // SAFETY: the caller owns a reference.
        let h = unsafe { header.as_ref() };
        // Idle from the release below: the link must name the owner by then.
        h.link.next.store(self.as_owner(), Ordering::Relaxed);
        let mut current = h.state.load(Ordering::Acquire);
        loop {
            if current & task::ABORTED != 0 {
                // Aborted during the poll: drop the future now.
                // SAFETY: RUNNING is still ours and the future present.
                unsafe { self.drop_future_and_finish(header) };
                return;
            }
            let new = current & !RUNNING;
            match h.state.compare_exchange_weak(current, new, Ordering::AcqRel, Ordering::Acquire) {
                Ok(_) => {
                    if new & SCHEDULED != 0 {
                        // Woken during the poll: back on the ready list,
                        // reusing the queue's reference.
                        // SAFETY: SCHEDULED and not queued; we own a
                        // reference; we are the loop.
                        unsafe { self.ready.push(header.cast()) };
                    } else {
                        // SAFETY: the queue's reference, no longer needed.
                        unsafe { drop_ref(header, 1) };
                    }
                    return;
                }
                Err(actual) => current = actual,
            }
        }
    }

    /// Drops an aborted task's future and finishes the task, even if the
    /// future's `Drop` panics (the panic goes on once the task is finished).
    ///
    /// # Safety
    /// As [`finish`](Shared::finish), with the future still present.
    unsafe fn drop_future_and_finish(&self, header: NonNull<Header>) {
        // SAFETY: forwarded: RUNNING is ours and the future gone once dropped.
        let _finish = task::finally(|| unsafe { self.finish(header, false) });
        // SAFETY: RUNNING is ours and the future present.
        unsafe { (header.as_ref().vtable.drop_future)(header) };
    }

    /// Marks a task complete after its final poll (or abort during a poll),
    /// hands the output to its handle (or drops it), unlists it and wakes the
    /// handle.
    ///
    /// # Safety
    /// The caller holds RUNNING, the future is gone, the stage holds the output
    /// iff `has_output`, and the caller owns the queue's reference.
    unsafe fn finish(&self, header: NonNull<Header>, has_output: bool) {
        // SAFETY: the caller owns a reference.
        let h = unsafe { header.as_ref() };
        // The task leaves the executor's hands: its link names the owner
        // again (the last reference's release reads it).
        h.link.next.store(self.as_owner(), Ordering::Relaxed);
        let mut current = h.state.load(Ordering::Acquire);
        let new = loop {
            let mut new = (current & !(RUNNING | SCHEDULED)) | COMPLETE;
            if has_output {
                new |= OUTPUT;
            }
            match h.state.compare_exchange_weak(current, new, Ordering::AcqRel, Ordering::Acquire) {
                Ok(_) => break new,
                Err(actual) => current = actual,
            }
        };
        // The rest happens even if dropping the output panics.
        let _rest = task::finally(|| {
            // SAFETY: we own a reference throughout.
            unsafe { self.unlist(header) };
            // Released even if the handle's waker panics when woken.
            // SAFETY: ours to release, once, after the wake.
            let _release = task::finally(|| unsafe { drop_ref(header, 1) });
            // SAFETY: we own a reference until `_release` runs.
            unsafe { task::notify_join(header) };
        });
        if has_output && new & HANDLE == 0 {
            // Nobody will ever take it: ours to drop, and gone even if its
            // `Drop` panics.
            h.state.fetch_and(!OUTPUT, Ordering::AcqRel);
            // SAFETY: no handle exists (and none can appear): the output is ours.
            unsafe { (h.vtable.drop_output)(header) };
        }
    }

    /// Adds a poll's time to its task's totals; returns the report to make
    /// if the poll was over the long-poll threshold.
    #[inline(never)]
    fn record_poll_time(&self, header: NonNull<Header>, elapsed: u64) -> Option<LongPoll> {
        // SAFETY: the caller keeps the task alive.
        let h = unsafe { header.as_ref() };
        // Only the executor writes these: plain load/store, no read-modify-write.
        h.total_poll.store(h.total_poll.load(Ordering::Relaxed) + elapsed, Ordering::Relaxed);
        let elapsed32 = u32::try_from(elapsed).unwrap_or(u32::MAX);
        if elapsed32 > h.longest_poll.load(Ordering::Relaxed) {
            h.longest_poll.store(elapsed32, Ordering::Relaxed);
        }
        if elapsed > self.long_poll_ticks.load(Ordering::Relaxed) {
            self.long_polls.fetch_add(1, Ordering::Relaxed);
            // Taken now: the task may be gone by the time it is reported.
            return Some(LongPoll { task: self.info(header), took: ticks_to_duration(elapsed) });
        }
        None
    }

    /// Calls the long-poll hook.
    #[inline(never)]
    fn report_long_poll(&self, long_poll: LongPoll) {
        let hook = self.long_poll_hook.with(|h| *h);
        hook(&long_poll.task, long_poll.took);
    }

    fn info(&self, header: NonNull<Header>) -> TaskInfo {
        // SAFETY: callers keep the task alive.
        let h = unsafe { header.as_ref() };
        let state = h.state.load(Ordering::Acquire);
        let id = h.id.load(Ordering::Relaxed);
        let name = if state & NAMED != 0 { self.table.with(|t| t.name(id)) } else { None };
        info_of(h, state, name)
    }

    pub(crate) fn tasks(&self) -> Vec<TaskInfo> {
        self.task_snapshot(usize::MAX).0
    }

    pub(crate) fn task_snapshot(&self, limit: usize) -> (Vec<TaskInfo>, usize) {
        self.table.with(|t| {
            let total = t.tasks.len();
            // Only the first `limit` are visited: the table's lock masks
            // interrupts on the kernel, and it may hold millions of tasks.
            let out = (t.tasks.iter().take(limit))
                .map(|(id, task)| {
                    // SAFETY: listed tasks are alive (the table holds a reference).
                    let h = unsafe { task.as_ref() };
                    info_of(h, h.state.load(Ordering::Acquire), t.name(id))
                })
                .collect();
            (out, total)
        })
    }

    pub(crate) fn stats(&self) -> ExecutorStats {
        let (live, table_bytes) = self.table.with(|t| (t.tasks.len(), t.tasks.heap_bytes()));
        ExecutorStats {
            spawned: self.spawned.load(Ordering::Relaxed),
            finished: self.finished.load(Ordering::Relaxed),
            live,
            polls: self.polls.load(Ordering::Relaxed),
            long_polls: self.long_polls.load(Ordering::Relaxed),
            idle: ticks_to_duration(self.idle_ticks.load(Ordering::Relaxed)),
            uptime: ticks_to_duration(time::now_ticks().saturating_sub(self.created_at)),
            timers: self.timers.with(|t| t.len()),
            table_bytes,
            poll_timing: self.poll_timing.load(Ordering::Relaxed),
        }
    }

    /// Wakes the timers whose deadline is `now` or earlier, earliest first,
    /// at most [`BATCH`] of them: when 100,000 timers fall due together, the
    /// tasks already woken get their turn before the next [`BATCH`] fire (the
    /// rest stay due, so the executor does not sleep meanwhile).
    #[inline(always)]
    fn fire_timers(&self, now: u64) {
        if now < self.next_deadline.load(Ordering::Acquire) {
            return;
        }
        for _ in 0..BATCH {
            if !self.fire_earliest(now) {
                // Every timer due at `now` has fired (and freed its slot).
                self.fired_through.store(now, Ordering::Release);
                return;
            }
        }
        // The rest stay due: the next turn fires them.
    }

    /// Fires the earliest timer if it is due at `now`. Returns whether
    /// another one is due.
    #[inline(never)]
    fn fire_earliest(&self, now: u64) -> bool {
        let waker = self.timers.with(|t| {
            let waker = t.pop_due(now);
            self.next_deadline.store(t.next_deadline().unwrap_or(u64::MAX), Ordering::Release);
            waker
        });
        // Woken outside the lock: a waker may run arbitrary code.
        match waker {
            Some(waker) => waker.wake(),
            None => return false,
        }
        now >= self.next_deadline.load(Ordering::Acquire)
    }

    /// Sleeps until there is something to do. Returns the clock on waking.
    /// Inlined: its return is on the path from a timer's interrupt to its task.
    #[inline(always)]
    fn idle(&self) -> u64 {
        let deadline = match self.next_deadline.load(Ordering::Acquire) {
            u64::MAX => None,
            d => Some(d),
        };
        let start = time::now_ticks();
        if deadline.is_some_and(|d| start >= d) {
            return start;
        }
        let ready = || {
            // SAFETY: `idle` runs on the loop's thread (and `ready` is called
            // only from it, inside `Platform::idle`).
            !unsafe { self.ready.is_empty() }
                || !self.inbox.is_empty()
                || self.main_notified.load(Ordering::Acquire)
        };
        self.platform.idle(deadline, &ready);
        let now = time::now_ticks();
        let slept = now.saturating_sub(start);
        self.idle_ticks.store(self.idle_ticks.load(Ordering::Relaxed) + slept, Ordering::Relaxed);
        now
    }
}

fn info_of(h: &Header, state: u32, name: Option<&'static str>) -> TaskInfo {
    TaskInfo {
        id: TaskId(h.id.load(Ordering::Relaxed)),
        name,
        // RUNNING is also kept by a task re-queued after waking itself: it
        // is being polled only if it is the task polled here and now.
        state: if state & RUNNING != 0 && crate::poll_context::is_running(h) {
            TaskState::Running
        } else if state & (SCHEDULED | RUNNING) != 0 {
            TaskState::Ready
        } else {
            TaskState::Waiting
        },
        polls: h.polls.load(Ordering::Relaxed),
        total_poll: ticks_to_duration(h.total_poll.load(Ordering::Relaxed)),
        longest_poll: ticks_to_duration(h.longest_poll.load(Ordering::Relaxed) as u64),
        allocation_size: h.vtable.allocation_size,
    }
}

fn ticks_to_duration(ticks: u64) -> Duration {
    hw_formats::counter::ticks_to_duration(ticks, time::frequency())
}

fn duration_to_ticks(duration: Duration, frequency: u64) -> u64 {
    hw_formats::counter::duration_to_ticks_ceil(duration, frequency)
}

/// A poll over the long-poll threshold, waiting to be reported.
struct LongPoll {
    task: TaskInfo,
    took: Duration,
}

/// The default long-poll hook: a warning through the `log` crate.
fn log_long_poll(task: &TaskInfo, took: Duration) {
    log::warn!(
        "long poll: task {} ({}) ran {} us without awaiting; cooperative tasks must yield",
        task.id,
        task.name.unwrap_or("unnamed"),
        u64::try_from(took.as_micros()).unwrap_or(u64::MAX)
    );
}

// ---- The main future's waker: wakes `block_on` --------------------------

static MAIN_WAKER_VTABLE: RawWakerVTable =
    RawWakerVTable::new(main_clone, main_wake, main_wake_by_ref, main_drop);

fn main_waker(shared: &Arc<Shared>) -> Waker {
    let data = Arc::into_raw(shared.clone()) as *const ();
    // SAFETY: the vtable functions treat `data` as an owned Arc<Shared>.
    unsafe { Waker::from_raw(RawWaker::new(data, &MAIN_WAKER_VTABLE)) }
}

unsafe fn main_clone(data: *const ()) -> RawWaker {
    // SAFETY: `data` is an Arc<Shared> pointer owned by the waker being cloned.
    unsafe { Arc::increment_strong_count(data as *const Shared) };
    RawWaker::new(data, &MAIN_WAKER_VTABLE)
}

unsafe fn main_wake(data: *const ()) {
    // SAFETY: as above; consumes the waker.
    unsafe {
        main_wake_by_ref(data);
        main_drop(data);
    }
}

unsafe fn main_wake_by_ref(data: *const ()) {
    // SAFETY: the waker keeps the Arc alive for this call.
    let shared = unsafe { &*(data as *const Shared) };
    shared.main_notified.store(true, Ordering::Release);
    shared.notify();
}

unsafe fn main_drop(data: *const ()) {
    // SAFETY: the waker owns one strong count.
    drop(unsafe { Arc::from_raw(data as *const Shared) });
}

#[cfg(feature = "std")]
pub mod std_platform {
    //! Host platforms: real time ([`StdPlatform`]) and virtual time
    //! ([`VirtualTimePlatform`], for deterministic tests).

    use super::Platform;
    use crate::time;
    use core::sync::atomic::{AtomicBool, Ordering, fence};
    use std::sync::{Arc, Condvar, Mutex};

    #[derive(Default)]
    struct Parker {
        notified: Mutex<bool>,
        condvar: Condvar,
        sleeping: AtomicBool,
    }

    impl Parker {
        fn park(&self, ready: &dyn Fn() -> bool, timeout: Option<std::time::Duration>) {
            let mut notified = self.notified.lock().unwrap();
            self.sleeping.store(true, Ordering::SeqCst);
            fence(Ordering::SeqCst);
            if !*notified && !ready() {
                notified = match timeout {
                    Some(t) => self.condvar.wait_timeout(notified, t).unwrap().0,
                    None => self.condvar.wait(notified).unwrap(),
                };
            }
            *notified = false;
            self.sleeping.store(false, Ordering::SeqCst);
        }

        fn unpark(&self) {
            fence(Ordering::SeqCst);
            if self.sleeping.load(Ordering::SeqCst) {
                *self.notified.lock().unwrap() = true;
                self.condvar.notify_one();
            }
        }
    }

    /// Sleeps on a condition variable; timers use the thread's clock.
    #[derive(Default, Clone)]
    pub struct StdPlatform {
        parker: Arc<Parker>,
    }

    impl StdPlatform {
        /// A new platform.
        pub fn new() -> Self {
            Self::default()
        }
    }

    impl Platform for StdPlatform {
        fn idle(&self, deadline: Option<u64>, ready: &dyn Fn() -> bool) {
            let timeout = deadline.map(|d| {
                let ticks = d.saturating_sub(time::now_ticks());
                hw_formats::counter::ticks_to_duration(ticks, time::frequency())
            });
            self.parker.park(ready, timeout);
        }

        fn notify(&self) {
            self.parker.unpark();
        }
    }

    /// Virtual time: when the executor would sleep until a timer, the thread's
    /// virtual clock jumps to that timer's deadline instead. Tests with many
    /// timers then run instantly and identically every time. Install the clock
    /// on the executor's thread with [`VirtualTimePlatform::install`].
    #[derive(Clone)]
    pub struct VirtualTimePlatform {
        clock: Arc<time::VirtualClock>,
        parker: Arc<Parker>,
    }

    impl VirtualTimePlatform {
        /// Creates a virtual clock at tick 0 running at `frequency` Hz, makes
        /// it this thread's clock, and returns a platform advancing it.
        pub fn install(frequency: u64) -> Self {
            let clock = Arc::new(time::VirtualClock::new(frequency));
            time::set_thread_clock(Some(clock.clone()));
            Self { clock, parker: Arc::default() }
        }

        /// The virtual clock.
        pub fn clock(&self) -> &Arc<time::VirtualClock> {
            &self.clock
        }
    }

    impl Platform for VirtualTimePlatform {
        fn idle(&self, deadline: Option<u64>, ready: &dyn Fn() -> bool) {
            if ready() {
                return;
            }
            match deadline {
                Some(d) => self.clock.advance_to(d),
                // Nothing scheduled in virtual time: wait for another thread.
                None => self.parker.park(ready, Some(std::time::Duration::from_millis(100))),
            }
        }

        fn notify(&self) {
            self.parker.unpark();
        }
    }
}
