//! GPIO pins as owned, typed handles with async edge and level waits (in progress).
