//! The bounded MPSC channel: ordering, back-pressure, closing, cancellation
//! hand-off, a ping-pong stress run and sends from another thread.
use async_core::sync::channel::{SendError, TryRecvError, TrySendError};
use async_core::sync::{Mutex, channel};
use async_core::time::{Duration, sleep, timeout};
use async_core::{Executor, StdPlatform, VirtualTimePlatform, spawn, yield_now};
use futures_util::{StreamExt, poll};
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

fn run<F: Future>(future: F) -> F::Output {
    let platform = VirtualTimePlatform::install(1_000_000);
    Executor::new(platform).block_on(future)
}

async fn yield_times(n: usize) {
    for _ in 0..n {
        yield_now().await;
    }
}

#[test]
fn messages_arrive_in_order() {
    run(async {
        let (tx, mut rx) = channel::<u32>(4);
        let producer = spawn(async move {
            for i in 0..100 {
                tx.send(i).await.unwrap();
            }
        });
        for i in 0..100 {
            assert_eq!(rx.recv().await, Some(i));
        }
        assert_eq!(rx.recv().await, None);
        producer.await.unwrap();
    });
}

#[test]
fn waiting_senders_are_served_in_fifo_order() {
    run(async {
        let (tx, mut rx) = channel::<u32>(1);
        tx.try_send(0).unwrap();
        let mut handles = Vec::new();
        for i in 1..=5 {
            let tx = tx.clone();
            handles.push(spawn(async move { tx.send(i).await.unwrap() }));
            // Let it run and queue up before the next one is spawned.
            yield_now().await;
        }
        // A late try_send cannot overtake the queue.
        assert!(matches!(tx.try_send(99), Err(TrySendError::Full(99))));
        drop(tx);
        let mut got = Vec::new();
        while let Some(v) = rx.recv().await {
            got.push(v);
        }
        assert_eq!(got, [0, 1, 2, 3, 4, 5]);
        for h in handles {
            h.await.unwrap();
        }
    });
}

#[test]
fn full_channel_blocks_sender_until_recv() {
    run(async {
        let (tx, mut rx) = channel::<u32>(2);
        assert_eq!(tx.capacity(), 2);
        assert_eq!(rx.capacity(), 2);
        tx.send(1).await.unwrap();
        tx.send(2).await.unwrap();
        assert_eq!(rx.len(), 2);
        let blocked = spawn(async move {
            tx.send(3).await.unwrap();
            tx // keep the channel open until we check
        });
        yield_times(10).await;
        assert!(!blocked.is_finished(), "send into a full channel must wait");
        assert_eq!(rx.len(), 2);
        assert_eq!(rx.recv().await, Some(1));
        yield_times(2).await;
        assert!(blocked.is_finished(), "recv must wake the waiting sender");
        let tx = blocked.await.unwrap();
        assert_eq!(rx.len(), 2);
        assert_eq!(rx.try_recv(), Ok(2));
        assert_eq!(rx.try_recv(), Ok(3));
        assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
        assert!(rx.is_empty());
        drop(tx);
        assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
    });
}

#[test]
fn try_send_reports_full_and_closed() {
    run(async {
        let (tx, mut rx) = channel::<String>(1);
        tx.try_send("a".into()).unwrap();
        match tx.try_send("b".into()) {
            Err(TrySendError::Full(v)) => assert_eq!(v, "b"),
            other => panic!("expected Full, got {other:?}"),
        }
        assert!(!tx.is_closed());
        assert!(!rx.is_closed());
        rx.close();
        assert!(tx.is_closed());
        let err = tx.try_send("c".into()).unwrap_err();
        assert!(err.is_closed());
        assert_eq!(err.into_inner(), "c");
        assert_eq!(tx.send("d".into()).await, Err(SendError("d".to_string())));
        // Messages buffered before close can still be received.
        assert_eq!(rx.recv().await.as_deref(), Some("a"));
        assert_eq!(rx.recv().await, None);
        drop(rx);
        assert!(matches!(tx.try_send("e".into()), Err(TrySendError::Closed(_))));
    });
}

#[test]
fn recv_returns_none_after_all_senders_drop() {
    run(async {
        let (tx, mut rx) = channel::<u32>(8);
        let tx2 = tx.clone();
        tx.send(1).await.unwrap();
        tx2.send(2).await.unwrap();
        drop(tx);
        assert!(!rx.is_closed());
        assert_eq!(rx.recv().await, Some(1));
        drop(tx2);
        assert!(rx.is_closed());
        assert_eq!(rx.recv().await, Some(2));
        assert_eq!(rx.recv().await, None);
        assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
    });
}

#[test]
fn waiting_receiver_is_woken_when_last_sender_drops() {
    run(async {
        let (tx, mut rx) = channel::<u32>(1);
        let receiver = spawn(async move { rx.recv().await });
        yield_times(3).await;
        assert!(!receiver.is_finished());
        let tx2 = tx.clone();
        drop(tx);
        yield_times(3).await;
        assert!(!receiver.is_finished(), "one sender is still alive");
        drop(tx2);
        assert_eq!(receiver.await.unwrap(), None);
    });
}

#[test]
fn dropping_receiver_fails_waiting_senders() {
    run(async {
        let (tx, rx) = channel::<u32>(1);
        tx.try_send(1).unwrap();
        let mut waiting = Vec::new();
        for i in 0..20 {
            let tx = tx.clone();
            waiting.push(spawn(async move { tx.send(i).await }));
        }
        yield_now().await;
        drop(rx);
        for (i, h) in waiting.into_iter().enumerate() {
            assert_eq!(h.await.unwrap(), Err(SendError(i as u32)));
        }
    });
}

#[test]
fn dropped_sender_with_reserved_slot_passes_it_on() {
    run(async {
        let (tx, mut rx) = channel::<u32>(1);
        tx.try_send(1).unwrap();
        let mut first = Box::pin(tx.send(2));
        let mut second = Box::pin(tx.send(3));
        assert!(poll!(&mut first).is_pending());
        assert!(poll!(&mut second).is_pending());
        // Frees the slot: it is reserved for `first`, which is woken...
        assert_eq!(rx.recv().await, Some(1));
        assert!(matches!(tx.try_send(9), Err(TrySendError::Full(9))));
        // ...but dropped before it could use it: `second` must get it.
        drop(first);
        assert!(poll!(&mut second).is_ready());
        assert_eq!(rx.recv().await, Some(3));
        // And with nobody else waiting, a dropped reservation frees the slot.
        tx.try_send(4).unwrap();
        let mut third = Box::pin(tx.send(5));
        assert!(poll!(&mut third).is_pending());
        assert_eq!(rx.recv().await, Some(4));
        drop(third);
        tx.try_send(6).unwrap();
        assert_eq!(rx.recv().await, Some(6));
    });
}

#[test]
fn dropped_waiting_sender_leaves_the_queue() {
    run(async {
        let (tx, mut rx) = channel::<u32>(1);
        tx.try_send(1).unwrap();
        let mut first = Box::pin(tx.send(2));
        let mut second = Box::pin(tx.send(3));
        assert!(poll!(&mut first).is_pending());
        assert!(poll!(&mut second).is_pending());
        drop(first); // never notified
        assert_eq!(rx.recv().await, Some(1));
        assert!(poll!(&mut second).is_ready());
        assert_eq!(rx.recv().await, Some(3));
    });
}

#[test]
fn send_cancelled_by_timeout_does_not_block_others() {
    run(async {
        let (tx, mut rx) = channel::<u32>(1);
        tx.send(1).await.unwrap();
        assert!(timeout(Duration::from_millis(5), tx.send(2)).await.is_err());
        let tx2 = tx.clone();
        let later = spawn(async move { tx2.send(3).await });
        sleep(Duration::from_millis(1)).await;
        assert_eq!(rx.recv().await, Some(1));
        later.await.unwrap().unwrap();
        assert_eq!(rx.recv().await, Some(3));
    });
}

#[test]
fn receiver_is_a_stream() {
    run(async {
        let (tx, rx) = channel::<u32>(3);
        spawn(async move {
            for i in 0..10 {
                tx.send(i).await.unwrap();
            }
        })
        .detach();
        let all: Vec<u32> = rx.collect().await;
        assert_eq!(all, (0..10).collect::<Vec<_>>());
    });
}

#[test]
fn buffered_messages_are_dropped_with_the_receiver() {
    struct Counted(Arc<AtomicUsize>);
    impl Drop for Counted {
        fn drop(&mut self) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }
    let drops = Arc::new(AtomicUsize::new(0));
    let (tx, rx) = channel::<Counted>(4);
    for _ in 0..3 {
        tx.try_send(Counted(drops.clone())).map_err(|_| ()).unwrap();
    }
    drop(rx);
    assert_eq!(drops.load(Ordering::SeqCst), 3);
    let err = tx.try_send(Counted(drops.clone())).map_err(|e| e.is_closed());
    assert_eq!(err.err(), Some(true));
    assert_eq!(drops.load(Ordering::SeqCst), 4);
}

#[test]
#[should_panic(expected = "capacity must be at least 1")]
fn zero_capacity_panics() {
    let _ = channel::<u8>(0);
}

#[test]
fn ping_pong_100k_round_trips() {
    // 100,000 natively; fewer under Miri, which runs this ~1000x slower.
    const ROUNDS: u32 = if cfg!(miri) { 500 } else { 100_000 };
    run(async {
        let (ping_tx, mut ping_rx) = channel::<u32>(1);
        let (pong_tx, mut pong_rx) = channel::<u32>(1);
        let ponger = spawn(async move {
            let mut n = 0;
            while let Some(v) = ping_rx.recv().await {
                pong_tx.send(v + 1).await.unwrap();
                n += 1;
            }
            n
        });
        let pinger = spawn(async move {
            let mut v = 0;
            for _ in 0..ROUNDS {
                ping_tx.send(v).await.unwrap();
                v = pong_rx.recv().await.unwrap();
            }
            v
        });
        assert_eq!(pinger.await.unwrap(), ROUNDS);
        assert_eq!(ponger.await.unwrap(), ROUNDS);
    });
}

#[test]
fn many_senders_one_receiver_with_mutex_bookkeeping() {
    run(async {
        let (tx, mut rx) = channel::<(usize, usize)>(2);
        let sent = Arc::new(Mutex::new(0usize));
        for p in 0..8 {
            let tx = tx.clone();
            let sent = sent.clone();
            spawn(async move {
                for i in 0..50 {
                    tx.send((p, i)).await.unwrap();
                    *sent.lock().await += 1;
                    if i % 7 == 0 {
                        yield_now().await;
                    }
                }
            })
            .detach();
        }
        drop(tx);
        let mut next = [0usize; 8];
        let mut total = 0;
        while let Some((p, i)) = rx.recv().await {
            assert_eq!(next[p], i, "per-producer order");
            next[p] += 1;
            total += 1;
        }
        assert_eq!(total, 400);
        yield_now().await;
        assert_eq!(*sent.lock().await, 400);
    });
}

#[test]
fn try_send_from_another_thread_wakes_the_receiver() {
    let executor = Executor::new(StdPlatform::new());
    executor.block_on(async {
        let (tx, mut rx) = channel::<u32>(4);
        let thread = std::thread::spawn(move || {
            std::thread::sleep(std::time::Duration::from_millis(20));
            for i in 0..1000 {
                let mut v = i;
                loop {
                    match tx.try_send(v) {
                        Ok(()) => break,
                        Err(TrySendError::Full(back)) => {
                            v = back;
                            std::thread::yield_now();
                        }
                        Err(TrySendError::Closed(_)) => panic!("receiver gone"),
                    }
                }
            }
        });
        for i in 0..1000 {
            assert_eq!(rx.recv().await, Some(i));
        }
        assert_eq!(rx.recv().await, None);
        thread.join().unwrap();
    });
}
