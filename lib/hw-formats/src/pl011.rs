//! Baud-rate divisors of the Arm PL011 UART.
//!
//! The PL011 divides its reference clock by 16 × (IBRD + FBRD/64). The firmware
//! sets that clock to 48 MHz by default (`init_uart_clock`), so 115200 baud is
//! IBRD 26, FBRD 3 (0.16 % error).

/// Integer and fractional baud-rate divisors (UARTIBRD, UARTFBRD).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BaudDivisor {
    /// Integer part, 1..=65535.
    pub integer: u16,
    /// Fractional part in 64ths, 0..=63.
    pub fraction: u8,
}

impl BaudDivisor {
    /// The divisor for `baud` from a `clock_hz` reference clock, rounded to the
    /// nearest 1/64; `None` when the rate is out of the PL011's range.
    pub const fn new(clock_hz: u32, baud: u32) -> Option<Self> {
        if baud == 0 {
            return None;
        }
        // divisor × 64 = clock / (16 × baud) × 64 = clock × 4 / baud, rounded.
        let scaled = (clock_hz as u64 * 4 + baud as u64 / 2) / baud as u64;
        let integer = scaled >> 6;
        if integer == 0 || integer > 0xffff {
            return None;
        }
        Some(Self { integer: integer as u16, fraction: (scaled & 0x3f) as u8 })
    }

    /// The baud rate this divisor actually produces from `clock_hz`.
    pub const fn actual_baud(self, clock_hz: u32) -> u32 {
        let scaled = ((self.integer as u64) << 6) | self.fraction as u64;
        ((clock_hz as u64 * 4) / scaled) as u32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn standard_48mhz_115200() {
        let d = BaudDivisor::new(48_000_000, 115_200).unwrap();
        assert_eq!(d, BaudDivisor { integer: 26, fraction: 3 });
        let actual = d.actual_baud(48_000_000);
        assert!(actual.abs_diff(115_200) * 1000 / 115_200 < 5, "error under 0.5 %: {actual}");
    }

    #[test]
    fn other_clocks_and_rates() {
        assert_eq!(
            BaudDivisor::new(3_000_000, 115_200),
            Some(BaudDivisor { integer: 1, fraction: 40 })
        );
        assert_eq!(
            BaudDivisor::new(48_000_000, 921_600),
            Some(BaudDivisor { integer: 3, fraction: 16 })
        );
        assert_eq!(
            BaudDivisor::new(48_000_000, 9_600),
            Some(BaudDivisor { integer: 312, fraction: 32 })
        );
    }

    #[test]
    fn out_of_range() {
        assert_eq!(BaudDivisor::new(48_000_000, 0), None);
        assert_eq!(BaudDivisor::new(1_000_000, 115_200), None, "clock too slow");
        assert_eq!(BaudDivisor::new(u32::MAX, 1), None, "divisor too large");
    }
}
