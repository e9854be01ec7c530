//! The activity LED (in progress).
