//! GPIO edge and level waits on the BCM283x event-detect registers (in progress).
