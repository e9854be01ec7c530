//! The short internal lock that protects the executor's task table, the timer
//! queue and the synchronisation primitives' state.
//!
//! * Kernel (`no_std`): a `critical-section` — the kernel's implementation
//!   masks IRQs — so the same state can be touched from tasks and from
//!   interrupt handlers without deadlock.
//! * Host (`std`): a spin lock. Executors there are single-threaded; other
//!   threads only wake tasks, so contention is rare and brief.
//! * `loom`: loom's mutex, so the models see the lock.
//!
//! Closures run under the lock must be short and must not wake foreign code
//! (collect wakers and wake them after the lock is released).

#[cfg(all(not(loom), not(feature = "std")))]
mod imp {
    use core::cell::RefCell;

    pub(crate) struct Lock<T> {
        inner: critical_section::Mutex<RefCell<T>>,
    }

    impl<T> Lock<T> {
        pub(crate) const fn new(value: T) -> Self {
            Self { inner: critical_section::Mutex::new(RefCell::new(value)) }
        }

        #[inline]
        pub(crate) fn with<R>(&self, f: impl FnOnce(&mut T) -> R) -> R {
            critical_section::with(|cs| f(&mut self.inner.borrow_ref_mut(cs)))
        }
    }
}

#[cfg(all(not(loom), feature = "std"))]
mod imp {
    use core::cell::UnsafeCell;
    use core::sync::atomic::{AtomicBool, Ordering};

    pub(crate) struct Lock<T> {
        locked: AtomicBool,
        value: UnsafeCell<T>,
    }

    // SAFETY: access to `value` is serialised by `locked` (acquire on lock,
    // release on unlock), so sharing the lock between threads is sound when
    // the data itself may move between threads.
    unsafe impl<T: Send> Sync for Lock<T> {}
    // SAFETY: the lock owns its value.
    unsafe impl<T: Send> Send for Lock<T> {}

    impl<T> Lock<T> {
        pub(crate) const fn new(value: T) -> Self {
            Self { locked: AtomicBool::new(false), value: UnsafeCell::new(value) }
        }

        #[inline]
        pub(crate) fn with<R>(&self, f: impl FnOnce(&mut T) -> R) -> R {
            while self
                .locked
                .compare_exchange_weak(false, true, Ordering::Acquire, Ordering::Relaxed)
                .is_err()
            {
                while self.locked.load(Ordering::Relaxed) {
                    std::thread::yield_now();
                }
            }
            struct Unlock<'a>(&'a AtomicBool);
            impl Drop for Unlock<'_> {
                fn drop(&mut self) {
                    self.0.store(false, Ordering::Release);
                }
            }
            let _unlock = Unlock(&self.locked);
            // SAFETY: we hold the lock, so no other reference to the value exists.
            f(unsafe { &mut *self.value.get() })
        }
    }
}

#[cfg(loom)]
mod imp {
    pub(crate) struct Lock<T> {
        inner: loom::sync::Mutex<T>,
    }

    impl<T> Lock<T> {
        pub(crate) fn new(value: T) -> Self {
            Self { inner: loom::sync::Mutex::new(value) }
        }

        pub(crate) fn with<R>(&self, f: impl FnOnce(&mut T) -> R) -> R {
            f(&mut self.inner.lock().unwrap())
        }
    }
}

pub(crate) use imp::Lock;
