//! The consumer against the real broker (`TEST_AMQP_URL`, default RabbitMQ
//! on localhost): handling, retries, dead letters, shutdown, reconnects.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use lapin::types::ShortString;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use {{crate_name}}_messaging::test_support::{Cleanup, TestEvent, broker_url, consumer_settings};
use {{crate_name}}_messaging::test_support::{dead_letters, header, message_id, publish_raw};
use {{crate_name}}_messaging::test_support::{queue_depth, settings, unique};
use {{crate_name}}_messaging::{BrokerStatus, CONTENT_TYPE, CloudEvent, Consumer, Publisher};
use {{crate_name}}_messaging::{ConsumerSettings, Handled, Handler, HandlerError};
use {{crate_name}}_persistence_model::test_support::TcpProxy;

const ROUTING_KEY: &str = "item.created";
const WAIT: Duration = Duration::from_secs(10);
/// How long "nothing more happens" is watched for.
const QUIET: Duration = Duration::from_millis(600);

/// What the test handler does with the next event.
#[derive(Debug, Clone, Copy)]
enum Step {
    Transient(&'static str),
    Busy(&'static str),
    Reject(&'static str),
    Panic,
    Slow(Duration),
}

/// A handler that records every event and follows a script (then applies).
#[derive(Clone, Default)]
struct Recorder {
    state: Arc<Mutex<State>>,
}

#[derive(Default)]
struct State {
    script: VecDeque<Step>,
    seen: Vec<(Instant, CloudEvent)>,
}

impl Recorder {
    fn scripted(steps: impl IntoIterator<Item = Step>) -> Self {
        let recorder = Self::default();
        recorder.state.lock().unwrap().script = steps.into_iter().collect();
        recorder
    }

    fn seen(&self) -> Vec<(Instant, CloudEvent)> {
        self.state.lock().unwrap().seen.clone()
    }

    /// The events seen once there are `count`, or fails after [`WAIT`].
    async fn wait_for(&self, count: usize) -> Vec<(Instant, CloudEvent)> {
        let deadline = Instant::now() + WAIT;
        loop {
            let seen = self.seen();
            if seen.len() >= count {
                return seen;
            }
            assert!(
                Instant::now() < deadline,
                "handled {} of {count} events",
                seen.len()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Asserts that no more than `count` events arrive within [`QUIET`].
    async fn assert_stays_at(&self, count: usize) {
        tokio::time::sleep(QUIET).await;
        assert_eq!(self.seen().len(), count, "unexpected extra deliveries");
    }
}

#[async_trait]
impl Handler for Recorder {
    async fn handle(&self, event: &CloudEvent) -> Result<Handled, HandlerError> {
        let step = {
            let mut state = self.state.lock().unwrap();
            state.seen.push((Instant::now(), event.clone()));
            state.script.pop_front()
        };
        match step {
            None => Ok(Handled::Applied),
            Some(Step::Transient(reason)) => Err(HandlerError::Transient(reason.to_owned())),
            Some(Step::Busy(reason)) => Err(HandlerError::Busy(reason.to_owned())),
            Some(Step::Reject(reason)) => Err(HandlerError::Rejected(reason.to_owned())),
            Some(Step::Panic) => panic!("scripted handler panic"),
            Some(Step::Slow(delay)) => {
                tokio::time::sleep(delay).await;
                Ok(Handled::Applied)
            }
        }
    }
}

/// A consumer running on its own task; aborted if the test fails.
struct Running {
    consumer: Consumer,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl Running {
    async fn start(url: &str, settings: ConsumerSettings, handler: Recorder) -> Self {
        let broker = self::settings(url, &settings.source_exchange);
        let consumer = Consumer::new(broker, settings).unwrap();
        let (stop, stopped) = oneshot::channel::<()>();
        let shutdown = async {
            let _ = stopped.await;
        };
        let task = tokio::spawn(consumer.clone().run(handler, shutdown));
        Self {
            consumer,
            stop: Some(stop),
            task: Some(task),
        }
    }

    async fn connected(url: &str, settings: ConsumerSettings, handler: Recorder) -> Self {
        let running = Self::start(url, settings, handler).await;
        assert!(running.consumer.wait_connected(WAIT).await);
        assert_eq!(running.consumer.status(), BrokerStatus::Connected);
        running
    }

    /// Signals shutdown; returns how long `run` took to return.
    async fn stop(mut self) -> Duration {
        let started = Instant::now();
        let _ = self.stop.take().unwrap().send(());
        let task = self.task.take().unwrap();
        tokio::time::timeout(WAIT, task)
            .await
            .expect("run did not return after shutdown")
            .unwrap();
        started.elapsed()
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(task) = &self.task {
            task.abort();
        }
    }
}

/// Names for one test, deleted (queues and exchanges) when the test ends.
fn names() -> (String, String, (Cleanup, Cleanup)) {
    let (queue, exchange) = (unique("queue"), unique("exchange"));
    let cleanup = (Cleanup::exchange(&exchange), Cleanup::topology(&queue));
    (queue, exchange, cleanup)
}

async fn publish(exchange: &str, event: &TestEvent) {
    publish_raw(exchange, ROUTING_KEY, &event.body, &event.event.id).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hands_an_event_to_the_handler_and_acks_it() {
    let (queue, exchange, _cleanup) = names();
    let recorder = Recorder::default();
    let settings = consumer_settings(&queue, &exchange);
    let running = Running::connected(&broker_url(), settings, recorder.clone()).await;

    let event = TestEvent::new(1);
    publish(&exchange, &event).await;
    let seen = recorder.wait_for(1).await;
    assert_eq!(seen[0].1, event.event);
    recorder.assert_stays_at(1).await;

    running.stop().await;
    // Unacked messages would be back in the queue once the connection closed.
    assert_eq!(queue_depth(&queue).await, 0);
    assert!(dead_letters(&queue, 1, Duration::ZERO).await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retries_a_transient_failure_after_the_delay() {
    let (queue, exchange, _cleanup) = names();
    let recorder = Recorder::scripted([Step::Transient("db away"), Step::Transient("db away")]);
    let settings = consumer_settings(&queue, &exchange);
    let delay = settings.retry_delay;
    let running = Running::connected(&broker_url(), settings, recorder.clone()).await;

    let event = TestEvent::new(2);
    publish(&exchange, &event).await;
    let seen = recorder.wait_for(3).await;
    recorder.assert_stays_at(3).await;
    assert!(seen.iter().all(|(_, seen)| *seen == event.event));
    // Each retry waited in `<queue>.retry` (the broker's TTL granularity
    // allows a little less than the delay, never an immediate redelivery).
    for pair in seen.windows(2) {
        let gap = pair[1].0 - pair[0].0;
        assert!(gap >= delay * 3 / 4, "retried after {gap:?}");
    }

    running.stop().await;
    assert!(dead_letters(&queue, 1, QUIET).await.is_empty());
    assert_eq!(queue_depth(&queue).await, 0);
    assert_eq!(queue_depth(&format!("{queue}.retry")).await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dead_letters_a_transient_failure_after_max_retries() {
    let (queue, exchange, _cleanup) = names();
    let steps = [Step::Transient("db away"); 3];
    let recorder = Recorder::scripted(steps);
    let settings = consumer_settings(&queue, &exchange);
    let max_retries = settings.max_retries;
    let running = Running::connected(&broker_url(), settings, recorder.clone()).await;

    // Through the real publisher, to see its properties survive.
    let publisher = Publisher::start(self::settings(&broker_url(), &exchange)).unwrap();
    assert!(publisher.wait_connected(WAIT).await);
    let event = TestEvent::new(3);
    publisher.publish(&event.message()).await.unwrap();

    recorder.wait_for(max_retries as usize + 1).await;
    let dead = dead_letters(&queue, 2, WAIT).await;
    assert_eq!(dead.len(), 1, "dead-lettered more than once");
    let dead = &dead[0];
    let reason = header(dead, "x-dead-letter-reason").unwrap();
    assert_eq!(reason, "gave up after 2 retries: db away");
    assert_eq!(header(dead, "x-retry-count").as_deref(), Some("2"));
    let original = header(dead, "x-original-routing-key");
    assert_eq!(original.as_deref(), Some(ROUTING_KEY));
    assert_eq!(message_id(dead), event.event.id);
    assert_eq!(dead.data, event.body);
    let properties = &dead.properties;
    let text = |value: &Option<ShortString>| value.as_ref().map(|value| value.as_str().to_owned());
    assert_eq!(
        text(properties.content_type()).as_deref(),
        Some(CONTENT_TYPE)
    );
    assert_eq!(text(properties.kind()), Some(event.event.r#type.clone()));
    let timestamp = event.event.time.timestamp() as u64;
    assert_eq!(*properties.timestamp(), Some(timestamp));
    assert_eq!(*properties.expiration(), None);
    recorder.assert_stays_at(3).await;
    running.stop().await;
    assert_eq!(queue_depth(&queue).await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retries_a_busy_event_without_using_up_its_retries() {
    let (queue, exchange, _cleanup) = names();
    let recorder = Recorder::scripted([Step::Busy("held"); 3]);
    let settings = ConsumerSettings {
        max_retries: 0,
        busy_timeout: WAIT,
        ..consumer_settings(&queue, &exchange)
    };
    let delay = settings.retry_delay;
    let running = Running::connected(&broker_url(), settings, recorder.clone()).await;

    let event = TestEvent::new(6);
    publish(&exchange, &event).await;
    let seen = recorder.wait_for(4).await;
    recorder.assert_stays_at(4).await;
    for pair in seen.windows(2) {
        let gap = pair[1].0 - pair[0].0;
        assert!(gap >= delay * 3 / 4, "retried after {gap:?}");
    }
    running.stop().await;
    assert!(dead_letters(&queue, 1, QUIET).await.is_empty());
    assert_eq!(queue_depth(&format!("{queue}.retry")).await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dead_letters_an_event_still_busy_after_the_busy_timeout() {
    let (queue, exchange, _cleanup) = names();
    let recorder = Recorder::scripted([Step::Busy("held"); 100]);
    let settings = consumer_settings(&queue, &exchange);
    let (delay, timeout) = (settings.retry_delay, settings.busy_timeout);
    let running = Running::connected(&broker_url(), settings, recorder.clone()).await;

    let event = TestEvent::new(7);
    publish(&exchange, &event).await;
    let dead = dead_letters(&queue, 1, WAIT).await;
    let dead = dead.first().expect("nothing dead-lettered");
    assert_eq!(message_id(dead), event.event.id);
    let reason = header(dead, "x-dead-letter-reason").unwrap();
    assert!(reason.starts_with("still busy after "), "{reason}");
    assert!(reason.ends_with(": held"), "{reason}");
    assert!(header(dead, "x-busy-since").is_some());
    assert_eq!(header(dead, "x-retry-count"), None);
    // Retried for the whole timeout, whatever `max_retries` says.
    let seen = recorder.seen();
    let first_to_last = seen[seen.len() - 1].0 - seen[0].0;
    assert!(first_to_last >= timeout, "gave up after {first_to_last:?}");
    assert!(seen.len() > 2, "tried {} times", seen.len());
    let limit = timeout + delay * 10;
    assert!(first_to_last < limit, "gave up after {first_to_last:?}");
    running.stop().await;
    assert_eq!(queue_depth(&queue).await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dead_letters_a_body_that_is_not_a_cloud_event_and_goes_on() {
    let (queue, exchange, _cleanup) = names();
    let recorder = Recorder::default();
    let settings = consumer_settings(&queue, &exchange);
    let running = Running::connected(&broker_url(), settings, recorder.clone()).await;

    publish_raw(&exchange, ROUTING_KEY, b"not json {", "poison-1").await;
    let good = TestEvent::new(4);
    publish(&exchange, &good).await;

    let dead = dead_letters(&queue, 1, WAIT).await;
    let dead = dead.first().expect("nothing dead-lettered");
    assert_eq!(message_id(dead), "poison-1");
    assert_eq!(dead.data, b"not json {");
    let reason = header(dead, "x-dead-letter-reason").unwrap();
    assert!(reason.starts_with("not a CloudEvent: "), "{reason}");
    let original = header(dead, "x-original-routing-key");
    assert_eq!(original.as_deref(), Some(ROUTING_KEY));
    assert_eq!(header(dead, "x-retry-count"), None);

    let seen = recorder.wait_for(1).await;
    assert_eq!(seen[0].1, good.event);
    recorder.assert_stays_at(1).await;
    running.stop().await;
    assert_eq!(queue_depth(&queue).await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dead_letters_a_rejected_event_at_once() {
    let (queue, exchange, _cleanup) = names();
    let recorder = Recorder::scripted([Step::Reject("no such item")]);
    let settings = consumer_settings(&queue, &exchange);
    let running = Running::connected(&broker_url(), settings, recorder.clone()).await;

    let event = TestEvent::new(5);
    publish(&exchange, &event).await;
    let dead = dead_letters(&queue, 1, WAIT).await;
    let dead = dead.first().expect("nothing dead-lettered");
    assert_eq!(message_id(dead), event.event.id);
    let reason = header(dead, "x-dead-letter-reason");
    assert_eq!(reason.as_deref(), Some("no such item"));
    assert_eq!(header(dead, "x-retry-count"), None);
    recorder.assert_stays_at(1).await;
    running.stop().await;
    assert_eq!(queue_depth(&queue).await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retries_after_a_handler_panic() {
    let (queue, exchange, _cleanup) = names();
    let recorder = Recorder::scripted([Step::Panic]);
    let settings = consumer_settings(&queue, &exchange);
    let running = Running::connected(&broker_url(), settings, recorder.clone()).await;

    let event = TestEvent::new(6);
    publish(&exchange, &event).await;
    let seen = recorder.wait_for(2).await;
    assert!(seen.iter().all(|(_, seen)| *seen == event.event));
    assert_eq!(running.consumer.status(), BrokerStatus::Connected);

    let next = TestEvent::new(7);
    publish(&exchange, &next).await;
    let seen = recorder.wait_for(3).await;
    assert_eq!(seen[2].1, next.event);
    recorder.assert_stays_at(3).await;
    running.stop().await;
    assert!(dead_letters(&queue, 1, Duration::ZERO).await.is_empty());
    assert_eq!(queue_depth(&queue).await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_finishes_the_handlers_in_progress_and_acks_them() {
    const HANDLING: Duration = Duration::from_millis(700);
    let (queue, exchange, _cleanup) = names();
    let recorder = Recorder::scripted([Step::Slow(HANDLING); 3]);
    let settings = consumer_settings(&queue, &exchange);
    let running = Running::connected(&broker_url(), settings, recorder.clone()).await;

    for n in 0..3 {
        publish(&exchange, &TestEvent::new(n)).await;
    }
    recorder.wait_for(3).await;
    let took = running.stop().await;
    eprintln!("shutdown with 3 slow handlers in progress took {took:?}");
    assert!(took < HANDLING + Duration::from_secs(2), "{took:?}");
    assert_eq!(
        queue_depth(&queue).await,
        0,
        "unacked messages were requeued"
    );
    assert_eq!(recorder.seen().len(), 3);

    // Nobody consumes any more: a new event waits in the queue.
    publish(&exchange, &TestEvent::new(9)).await;
    assert_eq!(queue_depth(&queue).await, 1);

    let idle = Running::connected(
        &broker_url(),
        consumer_settings(&queue, &exchange),
        Recorder::default(),
    )
    .await;
    let took = idle.stop().await;
    assert!(took < Duration::from_secs(2), "idle shutdown took {took:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn declaring_the_topology_again_is_idempotent() {
    let (queue, exchange, _cleanup) = names();
    let (first, second) = (Recorder::default(), Recorder::default());
    let settings = consumer_settings(&queue, &exchange);
    let one = Running::connected(&broker_url(), settings.clone(), first.clone()).await;
    let two = Running::connected(&broker_url(), settings.clone(), second.clone()).await;

    for n in 0..4 {
        publish(&exchange, &TestEvent::new(n)).await;
    }
    let deadline = Instant::now() + WAIT;
    while first.seen().len() + second.seen().len() < 4 {
        assert!(Instant::now() < deadline, "not every event was handled");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    one.stop().await;
    two.stop().await;

    // A restart declares everything once more.
    let again = Recorder::default();
    let restarted = Running::connected(&broker_url(), settings, again.clone()).await;
    let event = TestEvent::new(5);
    publish(&exchange, &event).await;
    assert_eq!(again.wait_for(1).await[0].1, event.event);
    assert_eq!(first.seen().len() + second.seen().len(), 4);
    restarted.stop().await;
    assert_eq!(queue_depth(&queue).await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn comes_back_after_the_connection_is_cut() {
    let (queue, exchange, _cleanup) = names();
    let recorder = Recorder::default();
    let proxy = TcpProxy::to_server_of(&broker_url()).await;
    let url = proxy.url_for(&broker_url());
    let settings = consumer_settings(&queue, &exchange);
    let running = Running::connected(&url, settings, recorder.clone()).await;

    proxy.cut();
    let deadline = Instant::now() + WAIT;
    while running.consumer.status().is_connected() {
        assert!(Instant::now() < deadline, "the cut went unnoticed");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let BrokerStatus::Disconnected { last_error, .. } = running.consumer.status() else {
        panic!("connected through a cut proxy");
    };
    eprintln!("status after the cut: {last_error:?}");
    assert!(!last_error.contains("guest:guest"), "{last_error}");

    // Published while the consumer is away: waits in the durable queue.
    let event = TestEvent::new(8);
    publish(&exchange, &event).await;
    proxy.restore();
    assert!(running.consumer.wait_connected(WAIT).await);
    assert_eq!(recorder.wait_for(1).await[0].1, event.event);
    running.stop().await;
    assert_eq!(queue_depth(&queue).await, 0);
}

#[test]
fn settings_that_can_never_work_are_refused() {
    let valid = || consumer_settings("q", "events");
    let broker = || settings("amqp://localhost", "events");
    assert!(Consumer::new(broker(), valid()).is_ok());
    let long = "q".repeat(250);
    let cases = [
        ConsumerSettings {
            queue: String::new(),
            ..valid()
        },
        ConsumerSettings {
            queue: long,
            ..valid()
        },
        ConsumerSettings {
            source_exchange: String::new(),
            ..valid()
        },
        ConsumerSettings {
            bindings: Vec::new(),
            ..valid()
        },
        ConsumerSettings {
            prefetch: 0,
            ..valid()
        },
    ];
    for case in cases {
        let error = Consumer::new(broker(), case.clone()).unwrap_err();
        eprintln!("{case:?}: {error}");
    }
    let error = Consumer::new(settings("http://x y", "events"), valid()).unwrap_err();
    assert!(error.to_string().contains("URL"), "{error}");
}
