//! [`Mutex`]: an async, FIFO-fair mutual-exclusion lock (a one-permit
//! [`Semaphore`]) and its [`MutexGuard`].

use super::semaphore::{Semaphore, SemaphorePermit};
use core::cell::UnsafeCell;
use core::fmt;
use core::marker::PhantomData;
use core::ops::{Deref, DerefMut};

/// An async mutex: [`lock`](Mutex::lock) waits (without blocking the
/// executor) until the value is free; the [`MutexGuard`] may be held across
/// `.await` points. Waiters get the lock in the order they asked for it
/// (the lock is handed directly to the next waiter on unlock, so a task that
/// unlocks and immediately locks again cannot barge ahead of it).
///
/// A `lock()` future dropped while queued leaves the queue; dropped after
/// the lock was handed to it, it passes the lock on to the next waiter.
///
/// Not for interrupt handlers (they cannot wait); [`try_lock`](Mutex::try_lock)
/// works there, but prefer [`Signal`](super::Signal) or a channel for
/// talking to tasks from a handler.
pub struct Mutex<T: ?Sized> {
    semaphore: Semaphore,
    value: UnsafeCell<T>,
}

// SAFETY: a `Mutex<T>` owns its `T`; sending the mutex sends the value, which
// is fine when `T: Send` (as for `std::sync::Mutex`).
unsafe impl<T: ?Sized + Send> Send for Mutex<T> {}
// SAFETY: through `&Mutex<T>` the value is only reached via a guard, and the
// one-permit semaphore lets only one guard exist at a time, so sharing the
// mutex between threads only moves exclusive (`&mut`) access to `T` from one
// thread to another — which `T: Send` allows; `T: Sync` is not needed because
// `&T` is never handed to two threads at once (same bounds as
// `std::sync::Mutex`).
unsafe impl<T: ?Sized + Send> Sync for Mutex<T> {}

impl<T> Mutex<T> {
    /// An unlocked mutex holding `value`. `const`, so it can be a `static`
    /// (except under `loom`, whose locks are not `const`).
    #[cfg(not(loom))]
    pub const fn new(value: T) -> Self {
        Self { semaphore: Semaphore::new(1), value: UnsafeCell::new(value) }
    }

    /// An unlocked mutex holding `value`.
    #[cfg(loom)]
    pub fn new(value: T) -> Self {
        Self { semaphore: Semaphore::new(1), value: UnsafeCell::new(value) }
    }

    /// Consumes the mutex, returning the value.
    pub fn into_inner(self) -> T {
        self.value.into_inner()
    }
}

impl<T: ?Sized> Mutex<T> {
    /// Waits for the lock (FIFO among waiters) and returns a guard giving
    /// access to the value; the lock is released when the guard is dropped.
    pub async fn lock(&self) -> MutexGuard<'_, T> {
        let permit = self.semaphore.acquire(1).await;
        self.guard(permit)
    }

    /// Takes the lock if it is free and nobody is waiting for it.
    pub fn try_lock(&self) -> Option<MutexGuard<'_, T>> {
        self.semaphore.try_acquire(1).map(|permit| self.guard(permit))
    }

    /// The value, through an exclusive borrow of the mutex (no locking needed).
    pub fn get_mut(&mut self) -> &mut T {
        self.value.get_mut()
    }

    fn guard<'a>(&'a self, permit: SemaphorePermit<'a>) -> MutexGuard<'a, T> {
        MutexGuard { mutex: self, _permit: permit, _access: PhantomData }
    }
}

impl<T: Default> Default for Mutex<T> {
    fn default() -> Self {
        Self::new(T::default())
    }
}

impl<T> From<T> for Mutex<T> {
    fn from(value: T) -> Self {
        Self::new(value)
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for Mutex<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Mutex");
        match self.try_lock() {
            Some(guard) => d.field("value", &&*guard),
            None => d.field("value", &format_args!("<locked>")),
        };
        d.finish()
    }
}

/// Exclusive access to a [`Mutex`]'s value; unlocks when dropped (handing
/// the lock to the next waiter, if any).
///
/// `Send` when `T: Send`; `Sync` when `T: Send + Sync` (it hands out `&T`).
#[must_use = "dropping the guard unlocks the mutex at once"]
pub struct MutexGuard<'a, T: ?Sized> {
    mutex: &'a Mutex<T>,
    /// The semaphore's only permit: while it is held, this guard is the only
    /// way to the value. Released when the guard is dropped.
    _permit: SemaphorePermit<'a>,
    /// Makes the guard `Sync` only if `T: Sync` (and invariant in `T`), as
    /// an `&mut T` would; the guard keeps a shared reference to the mutex
    /// rather than a `&mut T`, which would still be live (and asserted
    /// unique) for an instant after the permit is released.
    _access: PhantomData<&'a mut T>,
}

impl<T: ?Sized> Deref for MutexGuard<'_, T> {
    type Target = T;

    fn deref(&self) -> &T {
        // SAFETY: the guard holds the semaphore's only permit, so no `&mut T`
        // exists elsewhere; the borrow is tied to `&self`, which cannot
        // outlive the guard (and so the permit).
        unsafe { &*self.mutex.value.get() }
    }
}

impl<T: ?Sized> DerefMut for MutexGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: as in `deref`, and `&mut self` makes this the only borrow
        // taken through the guard.
        unsafe { &mut *self.mutex.value.get() }
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for MutexGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<T: ?Sized + fmt::Display> fmt::Display for MutexGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&**self, f)
    }
}
