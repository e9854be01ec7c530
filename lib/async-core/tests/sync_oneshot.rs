//! The oneshot channel: delivery, sender drop, receiver drop, try_recv and a
//! send from another thread.
use async_core::sync::oneshot::{self, RecvError, TryRecvError};
use async_core::{Executor, StdPlatform, VirtualTimePlatform, spawn, yield_now};
use futures_util::poll;
use std::future::Future;

fn run<F: Future>(future: F) -> F::Output {
    let platform = VirtualTimePlatform::install(1_000_000);
    Executor::new(platform).block_on(future)
}

#[test]
fn value_sent_before_await_is_received() {
    run(async {
        let (tx, rx) = oneshot::channel();
        assert!(!tx.is_closed());
        tx.send(7u32).unwrap();
        assert_eq!(rx.await, Ok(7));
    });
}

#[test]
fn waiting_receiver_is_woken_by_send() {
    run(async {
        let (tx, rx) = oneshot::channel::<String>();
        let waiter = spawn(rx);
        yield_now().await;
        assert!(!waiter.is_finished());
        spawn(async move { tx.send("hello".into()).unwrap() }).await.unwrap();
        assert_eq!(waiter.await.unwrap().as_deref(), Ok("hello"));
    });
}

#[test]
fn dropping_the_sender_unsent_gives_recv_error() {
    run(async {
        let (tx, rx) = oneshot::channel::<u32>();
        drop(tx);
        assert_eq!(rx.await, Err(RecvError));

        // Also while the receiver is already waiting.
        let (tx, rx) = oneshot::channel::<u32>();
        let waiter = spawn(rx);
        yield_now().await;
        drop(tx);
        assert_eq!(waiter.await.unwrap(), Err(RecvError));
    });
}

#[test]
fn send_fails_once_receiver_is_gone() {
    let (tx, rx) = oneshot::channel::<Vec<u8>>();
    drop(rx);
    assert!(tx.is_closed());
    assert_eq!(tx.send(vec![1, 2]), Err(vec![1, 2]));

    let (tx, mut rx) = oneshot::channel::<u8>();
    rx.close();
    assert!(tx.is_closed());
    assert_eq!(tx.send(3), Err(3));
    assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
}

#[test]
fn try_recv_states() {
    run(async {
        let (tx, mut rx) = oneshot::channel::<u8>();
        assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
        assert!(poll!(&mut rx).is_pending());
        tx.send(1).unwrap();
        assert_eq!(rx.try_recv(), Ok(1));
        assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
    });
}

#[test]
fn send_from_another_thread_wakes_the_task() {
    let executor = Executor::new(StdPlatform::new());
    let got = executor.block_on(async {
        let (tx, rx) = oneshot::channel::<u64>();
        let thread = std::thread::spawn(move || {
            std::thread::sleep(std::time::Duration::from_millis(20));
            tx.send(42).unwrap();
        });
        let got = rx.await;
        thread.join().unwrap();
        got
    });
    assert_eq!(got, Ok(42));
}
