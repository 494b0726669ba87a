//! An order-statistic board: scores by member, each member's rank (ties share a rank) and
//! the top of the list, every operation O(log) in the score range, whatever the number of
//! members. Ranks count members with a strictly higher score, in a sparse Fenwick tree over
//! score values.
use std::cmp::Reverse;
use std::collections::{BTreeSet, HashMap};

/// Scores above this are counted as this (a member would need 4 million points).
const MAX_SCORE: i64 = (1 << 22) - 2;

/// Boards up to this size count ranks by looking at every score (a few dozen comparisons);
/// a tree costs about 22 entries per distinct score, too much for 20,000 branch boards.
const SMALL: usize = 64;

/// What a ranking counts: points earned (the ledger) or badges awarded to members.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Tally {
    Points,
    Badges,
}

impl Tally {
    pub const ALL: [Tally; 2] = [Tally::Points, Tally::Badges];
}

#[derive(Debug, Default, Clone)]
pub struct Board {
    scores: HashMap<i64, i64>,
    /// The Fenwick tree, once the board outgrows `SMALL`.
    tree: Option<HashMap<u32, i64>>,
    order: BTreeSet<(Reverse<i64>, i64)>,
}

fn slot(score: i64) -> u32 {
    (score.clamp(0, MAX_SCORE) + 1) as u32
}

impl Board {
    fn tree_add(&mut self, score: i64, delta: i64) {
        let Some(tree) = self.tree.as_mut() else {
            return;
        };
        let mut i = slot(score);
        while i <= (1 << 22) {
            *tree.entry(i).or_insert(0) += delta;
            i += i & i.wrapping_neg();
        }
    }

    /// Builds the tree when the board stops being small.
    fn grow(&mut self) {
        if self.tree.is_none() && self.scores.len() > SMALL {
            self.tree = Some(HashMap::new());
            let scores: Vec<i64> = self.scores.values().copied().collect();
            for s in scores {
                self.tree_add(s, 1);
            }
        }
    }

    /// How many members score at most `score`.
    fn at_most(&self, score: i64) -> i64 {
        let Some(tree) = &self.tree else {
            let limit = slot(score);
            return self.scores.values().filter(|s| slot(**s) <= limit).count() as i64;
        };
        let mut i = slot(score);
        let mut n = 0;
        while i > 0 {
            n += tree.get(&i).copied().unwrap_or(0);
            i -= i & i.wrapping_neg();
        }
        n
    }

    /// Adds to a member's score (a new member starts at 0).
    pub fn add(&mut self, member: i64, delta: i64) {
        let old = self.scores.get(&member).copied();
        let new = old.unwrap_or(0) + delta;
        if let Some(o) = old {
            self.tree_add(o, -1);
            self.order.remove(&(Reverse(o), member));
        }
        self.tree_add(new, 1);
        self.order.insert((Reverse(new), member));
        self.scores.insert(member, new);
        self.grow();
    }

    /// Takes a member off the board; their score, if they were on it.
    pub fn remove(&mut self, member: i64) -> Option<i64> {
        let old = self.scores.remove(&member)?;
        self.tree_add(old, -1);
        self.order.remove(&(Reverse(old), member));
        Some(old)
    }

    pub fn score(&self, member: i64) -> Option<i64> {
        self.scores.get(&member).copied()
    }

    /// The sum of all scores (a branch's points, for points per member).
    pub fn total(&self) -> i64 {
        self.scores.values().sum()
    }

    pub fn len(&self) -> usize {
        self.scores.len()
    }

    pub fn is_empty(&self) -> bool {
        self.scores.is_empty()
    }

    /// 1 + the number of members with a strictly higher score.
    pub fn rank_of_score(&self, score: i64) -> i64 {
        self.scores.len() as i64 - self.at_most(score) + 1
    }

    pub fn rank(&self, member: i64) -> Option<i64> {
        self.score(member).map(|s| self.rank_of_score(s))
    }

    /// The first `n`, as (rank, member, score), ties sharing a rank.
    pub fn top(&self, n: usize) -> Vec<(i64, i64, i64)> {
        self.order
            .iter()
            .take(n)
            .map(|(Reverse(s), m)| (self.rank_of_score(*s), *m, *s))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_removed_member_no_longer_counts() {
        let mut b = Board::default();
        b.add(1, 10);
        b.add(2, 7);
        b.add(3, 7);
        assert_eq!(b.remove(1), Some(10));
        assert_eq!(b.remove(1), None);
        assert_eq!(
            (b.rank(2), b.rank(3), b.len(), b.total()),
            (Some(1), Some(1), 2, 14)
        );
        assert_eq!(b.top(5), vec![(1, 2, 7), (1, 3, 7)]);
    }

    #[test]
    fn ranks_share_ties_and_follow_updates() {
        let mut b = Board::default();
        b.add(1, 10);
        b.add(2, 10);
        b.add(3, 8);
        b.add(4, 0);
        assert_eq!(
            (b.rank(1), b.rank(2), b.rank(3), b.rank(4)),
            (Some(1), Some(1), Some(3), Some(4))
        );
        assert_eq!(b.top(3), vec![(1, 1, 10), (1, 2, 10), (3, 3, 8)]);
        b.add(3, 5);
        assert_eq!(b.rank(3), Some(1));
        assert_eq!(b.rank(1), Some(2));
        b.add(3, -13); // a correction
        assert_eq!(b.rank(3), Some(3));
        assert_eq!(b.rank(99), None);
        assert_eq!(b.len(), 4);
    }

    #[test]
    fn agrees_with_counting_on_many_members() {
        let mut b = Board::default();
        let mut x: u64 = 7;
        for m in 0..2000 {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            b.add(m, (x >> 33) as i64 % 500);
        }
        let scores: Vec<i64> = (0..2000).map(|m| b.score(m).unwrap()).collect();
        for m in (0..2000).step_by(37) {
            let higher = scores.iter().filter(|s| **s > scores[m as usize]).count() as i64;
            assert_eq!(b.rank(m), Some(higher + 1));
        }
    }

    #[test]
    fn small_and_large_boards_agree_across_the_switch() {
        let mut b = Board::default();
        let mut x: u64 = 11;
        for m in 0..(SMALL as i64 + 40) {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            b.add(m, (x >> 33) as i64 % 20);
            if m % 3 == 0 {
                b.add(m / 2, 5);
            }
            if m == SMALL as i64 + 20 {
                b.remove(3);
            }
            let scores: Vec<(i64, i64)> = b.scores.iter().map(|(k, v)| (*k, *v)).collect();
            for (member, score) in &scores {
                let higher = scores.iter().filter(|(_, s)| s > score).count() as i64;
                assert_eq!(b.rank(*member), Some(higher + 1), "after member {m}");
            }
        }
        assert!(b.tree.is_some());
    }
}
