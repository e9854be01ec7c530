//! GPIO pins in QEMU: function select reads back, outputs show in GPLEV,
//! ownership (taking twice, release on drop, no such pin, the console's pins),
//! embedded-hal through generic code, a level wait that already holds, waits
//! that cannot complete (QEMU models no GPIO events) timing out with their
//! detectors disarmed, two tasks waiting on two pins at once, and the
//! activity LED (found from the model the firmware reports).
//!
//! Edge and level events themselves are not testable here: neither QEMU
//! machine models the event detectors or the GPIO interrupts. Their logic is
//! tested on the host against a register model (`driver_core::gpio_events`).
//! The pins used stay clear of the console (14/15), the Bluetooth UART pins
//! (30-33), the Pi 4's LED (42) and the pins QEMU's raspi3b ties to the SD
//! controllers (48-53).
#![no_std]
#![no_main]

use core::convert::Infallible;
use embedded_hal::digital::{InputPin, OutputPin, StatefulOutputPin};
use embedded_hal_async::digital::Wait;
use futures_util::future::join;
use hw_formats::revision::Model;
use kernel::drivers::led::{self, ActivityLed, TakeError};
use kernel::drivers::pin::{self, Detect, Function, Pin, PinError, Pull, WaitFor};
use kernel::executor::{block_on, spawn, yield_now};
use kernel::time::{Duration, sleep, timeout};
use kernel::{board, irq};

kernel::test_kernel!(
    function_select_reads_back,
    outputs_show_in_the_level_register,
    pulls_can_be_set,
    a_pin_has_one_owner_at_a_time,
    console_pins_are_never_available,
    embedded_hal_traits_through_generic_code,
    level_wait_that_already_holds_returns_at_once,
    wait_that_cannot_complete_times_out_and_is_disarmed,
    two_tasks_wait_on_two_pins_at_once,
    gpio_bank_interrupts_are_claimed_by_the_first_wait,
    activity_led_toggles,
);

/// Pins in both banks that nothing else uses.
const PINS: [u32; 4] = [5, 21, 36, 45];

fn function_select_reads_back() {
    for number in PINS {
        let mut pin = Pin::take(number).expect("free pin");
        assert_eq!(pin.number(), number);
        for function in [
            Function::Output,
            Function::Alt0,
            Function::Alt1,
            Function::Alt2,
            Function::Alt3,
            Function::Alt4,
            Function::Alt5,
            Function::Input,
        ] {
            pin.set_function(function);
            assert_eq!(pin.function(), function, "GPIO {number}");
        }
    }
    // Neighbours in one GPFSEL register keep their functions.
    let mut a = Pin::take(20).unwrap();
    let mut b = Pin::take(21).unwrap();
    a.set_function(Function::Output);
    b.set_function(Function::Alt5);
    a.set_function(Function::Alt2);
    assert_eq!(b.function(), Function::Alt5);
    assert_eq!(a.function(), Function::Alt2);
    a.set_function(Function::Input);
    b.set_function(Function::Input);
}

fn outputs_show_in_the_level_register() {
    for number in PINS {
        let mut pin = Pin::take(number).unwrap();
        pin.set_function(Function::Output);
        pin.set_high();
        assert!(pin.is_high() && !pin.is_low(), "GPIO {number} high");
        assert_eq!(pin::read_level(number), Ok(true));
        pin.set_low();
        assert!(pin.is_low() && !pin.is_high(), "GPIO {number} low");
        pin.toggle();
        assert!(pin.is_high(), "GPIO {number} toggled high");
        pin.toggle();
        assert!(pin.is_low(), "GPIO {number} toggled low");
        pin.set_level(true);
        assert!(pin.is_high());
        pin.set_level(false);
        pin.set_function(Function::Input);
    }
    assert_eq!(pin::read_level(54), Err(PinError::NoSuchPin));
}

fn pulls_can_be_set() {
    // Pulls have no electrical effect in QEMU. Both SoCs' ways of setting
    // them (the BCM2837's GPPUD/GPPUDCLK sequence, the BCM2711's PUP_PDN
    // bits) must run and leave the function alone; the BCM2711 reports the
    // pull back (QEMU models its PUP_PDN registers), so there the encoding
    // (0 none, 1 up, 2 down) is checked too. The BCM2837 has no such register.
    let mut pin = Pin::take(PINS[0]).unwrap();
    pin.set_function(Function::Input);
    let reports_pulls = board::GPIO_PULL_CONTROL == board::PullControl::Bcm2711PerPinBits;
    for pull in [Pull::Up, Pull::Down, Pull::None] {
        pin.set_pull(pull);
        assert_eq!(pin.function(), Function::Input);
        match pin.pull() {
            Some(reported) => assert_eq!(reported, pull),
            None => assert!(!reports_pulls, "the BCM2711 reports pulls"),
        }
    }
}

fn a_pin_has_one_owner_at_a_time() {
    let first = Pin::take(PINS[1]).unwrap();
    assert_eq!(Pin::take(PINS[1]).unwrap_err(), PinError::InUse);
    let other = Pin::take(PINS[2]).expect("other pins are independent");
    drop(first);
    let again = Pin::take(PINS[1]).expect("dropping released it");
    drop(again);
    drop(other);
    for number in [54, 55, 64, 1000, u32::MAX] {
        assert_eq!(Pin::take(number).unwrap_err(), PinError::NoSuchPin, "GPIO {number}");
    }
    // Every existing pin but the console's can be taken, all at once.
    let mut held = [const { None }; pin::PIN_COUNT as usize];
    for number in 0..pin::PIN_COUNT {
        held[number as usize] = Pin::take(number).ok();
    }
    for number in 0..pin::PIN_COUNT {
        let console = number == board::CONSOLE_TX_PIN || number == board::CONSOLE_RX_PIN;
        assert_eq!(held[number as usize].is_some(), !console, "GPIO {number}");
    }
}

fn console_pins_are_never_available() {
    for number in [board::CONSOLE_TX_PIN, board::CONSOLE_RX_PIN] {
        assert_eq!(Pin::take(number).unwrap_err(), PinError::InUse, "GPIO {number}");
        assert_eq!(Pin::take(number).unwrap_err(), PinError::InUse, "GPIO {number}, twice");
    }
    assert_eq!((board::CONSOLE_TX_PIN, board::CONSOLE_RX_PIN), (14, 15));
    // As the console left them: the PL011 (ALT0) on both, RX pulled up so
    // an unconnected line idles high (read back where the SoC can: BCM2711).
    // SAFETY: the board names the GPIO block; this only reads registers.
    let gpio = unsafe { kernel::drivers::gpio::Gpio::new(board::GPIO_BASE) };
    let (tx, rx) = (board::CONSOLE_TX_PIN, board::CONSOLE_RX_PIN);
    assert_eq!((gpio.function(tx), gpio.function(rx)), (Function::Alt0, Function::Alt0));
    if board::GPIO_PULL_CONTROL == board::PullControl::Bcm2711PerPinBits {
        assert_eq!((gpio.pull(tx), gpio.pull(rx)), (Some(Pull::None), Some(Pull::Up)));
    }
    // The firmware's Bluetooth UART (CTS0, RTS0, TXD0, RXD0 on ALT3, on
    // every Pi 3 and Pi 4) was released: inputs. (QEMU starts them as
    // inputs already; this catches a boot that muxes them to anything.)
    assert_eq!(board::BLUETOOTH_UART_PINS, &[30, 31, 32, 33]);
    for &number in board::BLUETOOTH_UART_PINS {
        assert_eq!(gpio.function(number), Function::Input, "GPIO {number}");
    }
}

/// A driver written against the traits only.
fn drive<P: OutputPin + StatefulOutputPin>(p: &mut P) -> Result<(), P::Error> {
    p.set_high()?;
    assert!(p.is_set_high()?);
    p.toggle()?;
    assert!(p.is_set_low()?);
    p.set_low()?;
    p.toggle()?;
    assert!(p.is_set_high()?);
    p.set_low()
}

fn sample<P: InputPin>(p: &mut P) -> Result<bool, P::Error> {
    let high = p.is_high()?;
    assert_eq!(p.is_low()?, !high);
    Ok(high)
}

async fn await_level<P: Wait>(p: &mut P, high: bool) -> Result<(), P::Error> {
    if high { p.wait_for_high().await } else { p.wait_for_low().await }
}

fn embedded_hal_traits_through_generic_code() {
    let mut pin = Pin::take(PINS[3]).unwrap();
    pin.set_function(Function::Output);
    let result: Result<(), Infallible> = drive(&mut pin);
    result.unwrap();
    assert!(pin.is_low());
    assert_eq!(sample(&mut pin), Ok(false));
    pin.set_high();
    assert_eq!(sample(&mut pin), Ok(true));
    block_on(await_level(&mut pin, true)).unwrap();
    pin.set_low();
    block_on(await_level(&mut pin, false)).unwrap();
    pin.set_function(Function::Input);
}

fn level_wait_that_already_holds_returns_at_once() {
    let mut pin = Pin::take(PINS[0]).unwrap();
    pin.set_function(Function::Output);
    pin.set_high();
    block_on(async {
        // No timer involved: completes in its first poll.
        pin.wait_for_high().await;
        pin.set_low();
        pin.wait_for_low().await;
        pin.set_high();
        pin.wait(WaitFor::High).await;
    });
    assert_eq!(pin.armed_wait(), None);
    for detect in Detect::ALL {
        assert!(!pin.detector_enabled(detect), "{detect:?} left enabled");
    }
    pin.set_low();
    pin.set_function(Function::Input);
}

fn assert_disarmed(pin: &Pin) {
    assert_eq!(pin.armed_wait(), None);
    for detect in Detect::ALL {
        assert!(!pin.detector_enabled(detect), "GPIO {}: {detect:?} still enabled", pin.number());
    }
}

fn wait_that_cannot_complete_times_out_and_is_disarmed() {
    let mut pin = Pin::take(PINS[1]).unwrap();
    pin.set_function(Function::Output);
    pin.set_high();
    let number = pin.number();
    block_on(async {
        // While it waits, the wait is armed; QEMU never delivers the event.
        let (result, ()) = join(timeout(Duration::from_millis(10), pin.wait_for_low()), async {
            yield_now().await;
            assert_eq!(pin::armed(number), Some(WaitFor::Low), "armed while waiting");
        })
        .await;
        assert!(result.is_err(), "wait_for_low on a high pin completed in QEMU");
    });
    assert_disarmed(&pin);
    assert!(pin.is_high(), "the wait did not change the pin");

    // Every kind of wait that needs an event, the same way.
    block_on(async {
        for what in [WaitFor::Low, WaitFor::RisingEdge, WaitFor::FallingEdge, WaitFor::AnyEdge] {
            let result = timeout(Duration::from_millis(10), pin.wait(what)).await;
            assert!(result.is_err(), "{what:?} completed in QEMU");
            assert_disarmed(&pin);
        }
    });
    assert_disarmed(&pin);
    pin.set_low();
    pin.set_function(Function::Input);
}

fn two_tasks_wait_on_two_pins_at_once() {
    let (a, b) = (PINS[2], PINS[3]);
    let task = |number: u32, what: WaitFor| {
        let mut pin = Pin::take(number).unwrap();
        pin.set_function(Function::Input);
        spawn(async move {
            let result = timeout(Duration::from_millis(20), pin.wait(what)).await;
            (result.is_err(), pin)
        })
    };
    block_on(async {
        let first = task(a, WaitFor::RisingEdge);
        let second = task(b, WaitFor::AnyEdge);
        // Both tasks have run up to their wait.
        sleep(Duration::from_millis(5)).await;
        assert_eq!(pin::armed(a), Some(WaitFor::RisingEdge));
        assert_eq!(pin::armed(b), Some(WaitFor::AnyEdge));
        let (timed_out_a, pin_a) = first.await.unwrap();
        let (timed_out_b, pin_b) = second.await.unwrap();
        assert!(timed_out_a && timed_out_b, "QEMU delivered an event");
        assert_disarmed(&pin_a);
        assert_disarmed(&pin_b);
    });
    // The tasks dropped their pins with their outputs: free again.
    drop(Pin::take(a).expect("released"));
    drop(Pin::take(b).expect("released"));
}

fn gpio_bank_interrupts_are_claimed_by_the_first_wait() {
    // Earlier tests waited: all four bank lines have the pin handler now.
    fn other(_: irq::IrqLine) {}
    for line in board::irq::GPIO_BANKS {
        assert_eq!(irq::register(line, other), Err(irq::IrqError::AlreadyRegistered(line)));
    }
    // QEMU raises none of them.
    for line in board::irq::GPIO_BANKS {
        assert_eq!(irq::count(line), 0, "{line}");
    }
}

fn activity_led_toggles() {
    let mut led = ActivityLed::take().expect("LED free");
    assert_eq!(ActivityLed::take().unwrap_err(), TakeError::InUse, "second handle");
    assert!(!led.is_on());

    #[cfg(feature = "bsp-rpi4")]
    {
        assert_eq!(board::activity_led(Some(Model::Pi4B)), Some(board::ActivityLed::Gpio(42)));
        assert_eq!(board::activity_led(None), Some(board::ActivityLed::Gpio(42)));
        assert_eq!(board::activity_led(Some(Model::Cm4)), None, "wiring not known");
        assert_eq!(reported_model(), Some(Model::Pi4B), "what QEMU's raspi4b reports");
        assert_eq!(led::location(), Some(board::ActivityLed::Gpio(42)));
        assert_eq!(Pin::take(42).unwrap_err(), PinError::InUse, "the LED holds GPIO 42");
        assert_eq!(pin::read_level(42), Ok(false), "taken switched off");
        led.set(true).unwrap();
        assert_eq!(pin::read_level(42), Ok(true));
        led.toggle().unwrap();
        assert_eq!(pin::read_level(42), Ok(false));
        assert!(!led.is_on());
        led.toggle().unwrap();
        assert_eq!(pin::read_level(42), Ok(true));
        assert!(led.is_on());
        led.set(false).unwrap();
        drop(led);
        let pin = Pin::take(42).expect("dropping the LED released GPIO 42");
        assert_eq!(pin.function(), Function::Output);
    }

    #[cfg(feature = "bsp-rpi3")]
    {
        // The 3B+ and 3A+ have the LED on a SoC GPIO; their expander pin 130
        // is the power LED, which must not be touched.
        use board::ActivityLed::{FirmwareExpander, Gpio};
        assert_eq!(board::activity_led(Some(Model::Pi3BPlus)), Some(Gpio(29)));
        assert_eq!(board::activity_led(Some(Model::Pi3APlus)), Some(Gpio(29)));
        assert_eq!(board::activity_led(Some(Model::Pi3B)), Some(FirmwareExpander(130)));
        assert_eq!(board::activity_led(None), Some(FirmwareExpander(130)));
        // Active low there: not driven on a guess.
        assert_eq!(board::activity_led(Some(Model::Zero2W)), None);
        assert_eq!(reported_model(), Some(Model::Pi3B), "what QEMU's raspi3b reports");
        assert_eq!(led::location(), Some(FirmwareExpander(130)));
        // Best effort through the firmware. QEMU (10.0) does not implement
        // the tag: it answers it empty, which the LED reports as refused,
        // every time, while still tracking the state asked for. Should a
        // QEMU model the expander, "get GPIO state" must read each set back.
        match led.set(true) {
            Ok(()) => {
                assert_eq!(expander_state(130), Some(true));
                led.toggle().unwrap();
                assert_eq!(expander_state(130), Some(false));
                led.toggle().unwrap();
                assert_eq!(expander_state(130), Some(true));
                led.set(false).unwrap();
                assert_eq!(expander_state(130), Some(false));
            }
            Err(error) => {
                assert_eq!(
                    error,
                    kernel::drivers::led::LedError::Refused,
                    "QEMU answers the tag empty"
                );
                assert!(led.is_on());
                assert!(led.toggle().is_err());
                assert!(!led.is_on());
                assert!(led.toggle().is_err());
                assert!(led.is_on());
            }
        }
        drop(led);
        let again = ActivityLed::take().expect("dropping released it");
        drop(again);
    }
}

/// The board model the firmware reported at boot.
fn reported_model() -> Option<Model> {
    kernel::start::boot_info()?.firmware.board_revision?.model()
}

/// The firmware's idea of expander pin `pin` ("get GPIO state", 0x00030041):
/// `None` if it does not answer or reports an error for the pin.
#[cfg(feature = "bsp-rpi3")]
fn expander_state(pin: u32) -> Option<bool> {
    let mut message = hw_formats::mailbox::PropertyBuffer::new();
    let tag = message.push_tag(0x0003_0041, 2, &[pin]).ok()?;
    message.finish();
    kernel::firmware::call(&mut message).ok()?;
    match message.response(tag).ok()? {
        [0, state] => Some(*state != 0),
        _ => None,
    }
}
