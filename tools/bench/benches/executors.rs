//! The timed host benchmarks (criterion): every workload of `bench`'s
//! library on every system, as `WORKLOAD/SYSTEM`. `make bench` runs them and
//! turns criterion's medians into target/bench/results.csv (per operation).

use bench::{System, futures_rt::Futures, smol_rt::Smol, this::This, tokio_rt::Tokio};
use criterion::{Criterion, criterion_group, criterion_main};
use std::time::Duration;

/// One workload of a system: its name and its run.
type Workload<S> = (&'static str, fn(&mut S));

fn run<S: System>(c: &mut Criterion) {
    let mut system = S::new();
    let workloads: [Workload<S>; 4] = [
        ("spawn_join", S::spawn_join),
        ("ping_pong", S::ping_pong),
        ("yield_storm", S::yield_storm),
        ("timer_churn", S::timer_churn),
    ];
    for (workload, body) in workloads {
        c.benchmark_group(workload).bench_function(S::NAME, |b| b.iter(|| body(&mut system)));
    }
}

/// embassy-executor: the workloads it can run on its std backend
/// (`timer_churn` needs a time driver; see `bench::embassy_rt`).
fn run_embassy(c: &mut Criterion) {
    use bench::embassy_rt;
    let workloads: [(&str, fn()); 3] = [
        ("spawn_join", embassy_rt::spawn_join),
        ("ping_pong", embassy_rt::ping_pong),
        ("yield_storm", embassy_rt::yield_storm),
    ];
    for (workload, body) in workloads {
        c.benchmark_group(workload).bench_function("embassy", |b| b.iter(body));
    }
}

fn all(c: &mut Criterion) {
    run::<This>(c);
    run::<Tokio>(c);
    run::<Smol>(c);
    run::<Futures>(c);
    run_embassy(c);
}

criterion_group! {
    name = executors;
    // Each run is long (10,000 tasks, 100,000 round trips, a million
    // yields): ten samples over a few seconds give a stable median and keep
    // the whole suite within minutes.
    config = Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3))
        .without_plots();
    targets = all
}
criterion_main!(executors);
