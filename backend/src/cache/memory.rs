//! Copies of database answers in this process's memory, so the hottest reads (a cached
//! dashboard, the caller's session) cost no round trip to PostgreSQL.
//!
//! A copy is only trusted while this process hears PostgreSQL's notifications for its data
//! (see [`super::listener`]): every notification, every write served by this process and every
//! reconnection moves the [`Generation`] on, which empties the copies taken before. While the
//! notifications are not heard, nothing is kept and every read goes to the database.

use std::borrow::Borrow;
use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasher, Hash, RandomState};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::SeqCst};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Counts the changes this process has heard of, for one kind of data.
#[derive(Debug, Default)]
pub struct Generation {
    current: AtomicU64,
    /// True while the notifications for this data are being received.
    heard: AtomicBool,
}

/// The generation a read started at; a copy is only kept if no change came in since.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stamp(u64);

impl Generation {
    /// Taken before reading the database, so a change committed meanwhile voids the copy.
    pub fn stamp(&self) -> Option<Stamp> {
        self.heard.load(SeqCst).then(|| Stamp(self.current.load(SeqCst)))
    }

    /// The data changed: every copy taken so far is out of date.
    pub fn advance(&self) {
        self.current.fetch_add(1, SeqCst);
    }

    /// Notifications are heard again. What was copied before may have missed some, so it goes.
    pub fn heard(&self) {
        self.advance();
        self.heard.store(true, SeqCst);
    }

    /// Notifications may be missed from now on: stop trusting and taking copies.
    pub fn deaf(&self) {
        self.heard.store(false, SeqCst);
        self.advance();
    }
}

/// Values kept for at most `ttl` and within a size budget, all of one generation.
pub struct Memory<K, V> {
    generation: Arc<Generation>,
    ttl: Duration,
    budget: usize,
    weigh: fn(&V) -> usize,
    entries: Mutex<Entries<K, V>>,
    /// Hashes of the keys asked for once and not kept ([`Memory::put_if_asked_before`]).
    asked_once: Mutex<HashSet<u64>>,
    hasher: RandomState,
}

/// How many keys asked for once are remembered (~0.2 MB); beyond, the count starts over.
const ASKED_ONCE_KEPT: usize = 8_192;

struct Entries<K, V> {
    generation: u64,
    weight: usize,
    values: HashMap<K, (Instant, V)>,
}

impl<K: Eq + Hash + Clone, V: Clone> Memory<K, V> {
    /// `weigh` gives each value's share of `budget` (bytes, or 1 to count entries).
    pub fn new(ttl: Duration, budget: usize, weigh: fn(&V) -> usize) -> Self {
        let entries = Entries { generation: 0, weight: 0, values: HashMap::new() };
        Memory {
            generation: Arc::default(),
            ttl,
            budget,
            weigh,
            entries: Mutex::new(entries),
            asked_once: Mutex::default(),
            hasher: RandomState::new(),
        }
    }

    pub fn generation(&self) -> &Arc<Generation> {
        &self.generation
    }

    pub fn stamp(&self) -> Option<Stamp> {
        self.generation.stamp()
    }

    pub fn get<Q: Eq + Hash + ?Sized>(&self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
    {
        let current = self.generation.stamp()?;
        let entries = self.lock();
        if entries.generation != current.0 {
            return None;
        }
        let (stored, value) = entries.values.get(key)?;
        (stored.elapsed() < self.ttl).then(|| value.clone())
    }

    /// Keeps `value`, read from the database after `stamp` was taken, unless the data changed
    /// since. Makes room by dropping other values when over budget.
    pub fn put(&self, key: K, value: V, stamp: Option<Stamp>) {
        let Some(Stamp(read_at)) = stamp else { return };
        let weight = (self.weigh)(&value);
        if weight > self.budget {
            return;
        }
        let mut entries = self.lock();
        // Checked under the lock: a later change either is seen here or empties the entries
        // on the next read (their generation is then behind).
        if self.generation.stamp() != Some(Stamp(read_at)) {
            return;
        }
        if entries.generation != read_at {
            *entries = Entries { generation: read_at, weight: 0, values: HashMap::new() };
        }
        if let Some((_, old)) = entries.values.remove(&key) {
            entries.weight -= (self.weigh)(&old);
        }
        while entries.weight + weight > self.budget {
            let Some(victim) = entries.values.keys().next().cloned() else { break };
            if let Some((_, old)) = entries.values.remove(&victim) {
                entries.weight -= (self.weigh)(&old);
            }
        }
        entries.weight += weight;
        entries.values.insert(key, (Instant::now(), value));
    }

    /// Like [`Self::put`], for a key asked for before only. Most answers to varied filters
    /// are asked for once: keeping them would cost memory and push out the ones asked again.
    pub fn put_if_asked_before(&self, key: K, value: V, stamp: Option<Stamp>) {
        let hash = self.hasher.hash_one(&key);
        let first_time = {
            let mut asked = self.asked_once.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            if asked.len() >= ASKED_ONCE_KEPT {
                asked.clear();
            }
            asked.insert(hash)
        };
        if !first_time {
            self.put(key, value, stamp);
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Entries<K, V>> {
        self.entries.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn memory() -> Memory<&'static str, String> {
        let memory = Memory::new(Duration::from_secs(60), 10, String::len);
        memory.generation().heard();
        memory
    }

    #[test]
    fn values_are_kept_until_the_data_changes() {
        let memory = memory();
        memory.put("a", "one".into(), memory.stamp());
        assert_eq!(memory.get("a").as_deref(), Some("one"));
        memory.generation().advance();
        assert_eq!(memory.get("a"), None, "a change empties the memory");
    }

    #[test]
    fn a_value_read_before_a_change_is_not_kept() {
        let memory = memory();
        let stamp = memory.stamp();
        memory.generation().advance();
        memory.put("a", "stale".into(), stamp);
        assert_eq!(memory.get("a"), None);
    }

    #[test]
    fn nothing_is_kept_or_trusted_while_notifications_are_not_heard() {
        let memory = memory();
        memory.put("a", "one".into(), memory.stamp());
        memory.generation().deaf();
        assert_eq!(memory.get("a"), None);
        assert_eq!(memory.stamp(), None);
        memory.generation().heard();
        assert_eq!(memory.get("a"), None, "copies from before are dropped when hearing again");
    }

    #[test]
    fn answers_asked_for_once_are_not_kept() {
        let memory = memory();
        memory.put_if_asked_before("a", "one".into(), memory.stamp());
        assert_eq!(memory.get("a"), None, "asked once");
        memory.put_if_asked_before("a", "one".into(), memory.stamp());
        assert_eq!(memory.get("a").as_deref(), Some("one"), "asked again");
    }

    #[test]
    fn values_expire_and_the_budget_is_kept() {
        let expiring = Memory::new(Duration::ZERO, 10, String::len);
        expiring.generation().heard();
        expiring.put("a", "one".into(), expiring.stamp());
        assert_eq!(expiring.get("a"), None, "expired");

        let memory = memory();
        memory.put("a", "12345".into(), memory.stamp());
        memory.put("b", "12345".into(), memory.stamp());
        memory.put("c", "123".into(), memory.stamp());
        let kept = ["a", "b", "c"].iter().filter(|key| memory.get(**key).is_some()).count();
        assert_eq!(kept, 2, "one value made room");
        assert!(memory.get("c").is_some());
        memory.put("big", "12345678901".into(), memory.stamp());
        assert_eq!(memory.get("big"), None, "larger than the whole budget");
    }
}
