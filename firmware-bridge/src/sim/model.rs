//! The physics every simulated device shares: a value that approaches its target as a
//! first-order system (time constant τ), Gaussian noise from a seeded RNG so a run can be
//! replayed, and a stability judge working like a balance's: the last `n` readings, taken within
//! a time window, lie inside a band.
//!
//! Time is passed in, never read here, so the model is deterministic under test.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use rand::rngs::ChaCha8Rng;
use rand::{RngExt, SeedableRng};

/// Standard normal deviates (Box–Muller) from a seeded ChaCha8 stream.
#[derive(Debug)]
pub struct Noise {
    rng: ChaCha8Rng,
}

impl Noise {
    #[must_use]
    pub fn new(seed: u64) -> Self {
        Self {
            rng: ChaCha8Rng::seed_from_u64(seed),
        }
    }

    /// One draw from N(0, 1).
    pub fn gaussian(&mut self) -> f64 {
        // 1 − u lies in (0, 1], so the logarithm is finite.
        let u1 = 1.0 - self.rng.random::<f64>();
        let u2 = self.rng.random::<f64>();
        (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    }

    /// `n` random bytes, none of them CR or LF (so a garbage line stays one line).
    pub fn garbage(&mut self, n: usize) -> Vec<u8> {
        (0..n)
            .map(|_| {
                loop {
                    let b = self.rng.random::<u8>();
                    if b != b'\r' && b != b'\n' {
                        break b;
                    }
                }
            })
            .collect()
    }
}

/// A quantity settling towards a target: x(t+Δt) = target + (x − target)·e^(−Δt/τ), read with
/// additive Gaussian noise of standard deviation `noise_sd`.
#[derive(Debug)]
pub struct Settling {
    ideal: f64,
    target: f64,
    tau: Duration,
    noise_sd: f64,
    noise: Noise,
    at: Instant,
    /// A disturbance (draught, vibration, a leak) of this standard deviation until then.
    disturbance: Option<(Instant, f64)>,
}

impl Settling {
    /// Starts settled at `initial`.
    #[must_use]
    pub fn new(initial: f64, tau: Duration, noise_sd: f64, seed: u64, now: Instant) -> Self {
        Self {
            ideal: initial,
            target: initial,
            tau,
            noise_sd,
            noise: Noise::new(seed),
            at: now,
            disturbance: None,
        }
    }

    #[must_use]
    pub fn target(&self) -> f64 {
        self.target
    }

    /// From `now` on, the value approaches `target`.
    pub fn set_target(&mut self, target: f64, now: Instant) {
        self.advance(now);
        self.target = target;
    }

    /// Adds noise of standard deviation `sd` until `until`.
    pub fn disturb(&mut self, sd: f64, until: Instant) {
        self.disturbance = Some((until, sd));
    }

    #[must_use]
    pub fn is_disturbed(&self, now: Instant) -> bool {
        self.disturbance.is_some_and(|(until, _)| now < until)
    }

    /// The noise-free value now.
    pub fn ideal(&mut self, now: Instant) -> f64 {
        self.advance(now);
        self.ideal
    }

    /// True once the noise-free value is within `tolerance` of the target.
    pub fn is_settled(&mut self, now: Instant, tolerance: f64) -> bool {
        (self.ideal(now) - self.target).abs() <= tolerance && !self.is_disturbed(now)
    }

    /// One reading now: the settled value plus noise.
    pub fn sample(&mut self, now: Instant) -> f64 {
        self.advance(now);
        let mut v = self.ideal + self.noise_sd * self.noise.gaussian();
        if let Some((until, sd)) = self.disturbance {
            if now < until {
                v += sd * self.noise.gaussian();
            } else {
                self.disturbance = None;
            }
        }
        v
    }

    fn advance(&mut self, now: Instant) {
        let dt = now.saturating_duration_since(self.at);
        self.at = self.at.max(now);
        self.ideal = if self.tau.is_zero() {
            self.target
        } else {
            self.target
                + (self.ideal - self.target) * (-dt.as_secs_f64() / self.tau.as_secs_f64()).exp()
        };
    }
}

/// Judges stability the way the profile's `[stability]` block describes it: the last
/// `readings` values, all taken within `window`, spread over no more than `band`.
#[derive(Debug, Clone)]
pub struct StabilityJudge {
    readings: usize,
    band: f64,
    window: Duration,
    recent: VecDeque<(Instant, f64)>,
}

impl StabilityJudge {
    #[must_use]
    pub fn new(readings: usize, band: f64, window: Duration) -> Self {
        Self {
            readings: readings.max(1),
            band,
            window,
            recent: VecDeque::new(),
        }
    }

    /// Adds a reading taken at `at`; only the last `readings` are kept.
    pub fn push(&mut self, at: Instant, value: f64) {
        self.recent.push_back((at, value));
        while self.recent.len() > self.readings {
            self.recent.pop_front();
        }
    }

    /// Forgets the history (after zeroing, taring or a power cycle).
    pub fn clear(&mut self) {
        self.recent.clear();
    }

    #[must_use]
    pub fn is_stable(&self, now: Instant) -> bool {
        let Some(&(oldest, _)) = self.recent.front() else {
            return false;
        };
        let (lo, hi) = self
            .recent
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &(_, v)| {
                (lo.min(v), hi.max(v))
            });
        self.recent.len() == self.readings
            && now.saturating_duration_since(oldest) <= self.window
            && hi - lo <= self.band
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_order_approach_reaches_63_percent_after_one_time_constant() {
        let t0 = Instant::now();
        let mut s = Settling::new(0.0, Duration::from_millis(800), 0.0, 1, t0);
        s.set_target(100.0, t0);
        let v = s.ideal(t0 + Duration::from_millis(800));
        assert!((v - 100.0 * (1.0 - (-1.0f64).exp())).abs() < 1e-9, "{v}");
        assert!(s.is_settled(t0 + Duration::from_secs(20), 1e-6));
    }

    #[test]
    fn noise_is_seeded_and_has_the_configured_spread() {
        let t0 = Instant::now();
        let mut a = Settling::new(10.0, Duration::ZERO, 0.5, 42, t0);
        let mut b = Settling::new(10.0, Duration::ZERO, 0.5, 42, t0);
        let xs: Vec<f64> = (0..20_000).map(|_| a.sample(t0)).collect();
        assert_eq!(
            xs[..5],
            (0..5).map(|_| b.sample(t0)).collect::<Vec<_>>()[..]
        );
        let n = xs.len() as f64;
        let mean = xs.iter().sum::<f64>() / n;
        let sd = (xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
        assert!((mean - 10.0).abs() < 0.02, "{mean}");
        assert!((sd - 0.5).abs() < 0.02, "{sd}");
    }

    #[test]
    fn stability_needs_enough_readings_inside_the_band_and_the_window() {
        let t0 = Instant::now();
        let ms = |n| t0 + Duration::from_millis(n);
        let mut j = StabilityJudge::new(3, 0.0002, Duration::from_secs(2));
        j.push(ms(0), 1.0);
        j.push(ms(100), 1.0001);
        assert!(!j.is_stable(ms(100)));
        j.push(ms(200), 1.0002);
        assert!(j.is_stable(ms(200)));
        j.push(ms(300), 1.0005);
        assert!(!j.is_stable(ms(300)));
        let mut slow = StabilityJudge::new(2, 1.0, Duration::from_millis(500));
        slow.push(ms(0), 1.0);
        slow.push(ms(1000), 1.0);
        assert!(!slow.is_stable(ms(1000)), "readings older than the window");
    }
}
