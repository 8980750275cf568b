//! Dotted hierarchical codes: outline numbers (`1.2.3`) and WBS codes.

use std::fmt;
use std::sync::Arc;

/// A dotted code stored as its parent's code plus its own last part. A task at depth `d`
/// has a code of `d` parts; storing each code whole would cost memory in proportion to
/// the square of an outline's depth, which a crafted file chooses. Shared parents keep a
/// whole outline in memory proportional to its tasks.
#[derive(Clone)]
pub struct DottedCode(Arc<Node>);

struct Node {
    parent: Option<DottedCode>,
    last: Box<str>,
    /// Parts in the code: 1 for a code without parent.
    depth: u32,
}

impl DottedCode {
    /// A code without parent, e.g. `"3"` or a WBS code stored in the file.
    pub fn root(text: impl Into<Box<str>>) -> Self {
        Self(Arc::new(Node {
            parent: None,
            last: text.into(),
            depth: 1,
        }))
    }

    /// `parent.last`.
    pub fn child(parent: &DottedCode, last: impl Into<Box<str>>) -> Self {
        Self(Arc::new(Node {
            parent: Some(parent.clone()),
            last: last.into(),
            depth: parent.0.depth.saturating_add(1),
        }))
    }

    /// Parts in the code.
    pub fn depth(&self) -> u32 {
        self.0.depth
    }

    /// The last part.
    pub fn last(&self) -> &str {
        &self.0.last
    }

    /// The parent's code, if any.
    pub fn parent(&self) -> Option<&DottedCode> {
        self.0.parent.as_ref()
    }

    /// True when the code is exactly `text` with no parent.
    pub fn is_root_text(&self, text: &str) -> bool {
        self.0.parent.is_none() && &*self.0.last == text
    }

    /// The code itself and its ancestors, from the code up.
    pub fn chain(&self) -> impl Iterator<Item = &DottedCode> {
        std::iter::successors(Some(self), |c| c.parent())
    }

    /// The ancestor (or the code itself) with `depth` parts.
    pub fn at_depth(&self, depth: u32) -> Option<&DottedCode> {
        self.chain()
            .find(|c| c.depth() <= depth)
            .filter(|c| c.depth() == depth)
    }

    /// Length of the text in bytes.
    pub fn text_len(&self) -> usize {
        self.chain()
            .map(|c| c.0.last.len() + usize::from(c.0.parent.is_some()))
            .sum()
    }
}

impl PartialEq for DottedCode {
    /// Codes compare by their parts (the text a reader sees), sharing or not.
    fn eq(&self, other: &Self) -> bool {
        if self.depth() != other.depth() {
            return false;
        }
        for (a, b) in self.chain().zip(other.chain()) {
            if Arc::ptr_eq(&a.0, &b.0) {
                return true;
            }
            if a.0.last != b.0.last {
                return false;
            }
        }
        true
    }
}

impl Eq for DottedCode {}

impl fmt::Display for DottedCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts: Vec<&str> = self.chain().map(|c| &*c.0.last).collect();
        parts.reverse();
        for (i, part) in parts.iter().enumerate() {
            if i > 0 {
                f.write_str(".")?;
            }
            f.write_str(part)?;
        }
        Ok(())
    }
}

impl fmt::Debug for DottedCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.to_string())
    }
}

impl Drop for Node {
    /// Unlinks the parents one by one: dropping the last holder of a deep chain must not
    /// recurse once per level (a crafted outline is deep enough to overflow the stack).
    fn drop(&mut self) {
        let mut next = self.parent.take();
        while let Some(code) = next {
            match Arc::try_unwrap(code.0) {
                Ok(mut node) => next = node.parent.take(),
                Err(_) => break,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_print_their_parts_with_dots() {
        let one = DottedCode::root("1");
        let two = DottedCode::child(&one, "2");
        let three = DottedCode::child(&two, "13");
        assert_eq!(three.to_string(), "1.2.13");
        assert_eq!(three.text_len(), "1.2.13".len());
        assert_eq!(three.depth(), 3);
        assert_eq!(three.at_depth(2), Some(&two));
        assert_eq!(three.at_depth(4), None);
        assert!(one.is_root_text("1") && !two.is_root_text("2"));
    }

    #[test]
    fn equal_texts_are_equal_codes_whatever_their_sharing() {
        let a = DottedCode::child(&DottedCode::root("1"), "2");
        let b = DottedCode::child(&DottedCode::root("1"), "2");
        assert_eq!(a, b);
        assert_ne!(a, DottedCode::child(&DottedCode::root("1"), "3"));
        assert_ne!(a, DottedCode::root("1.2"), "parts, not text");
    }

    #[test]
    fn a_very_deep_chain_drops_without_recursion() {
        let mut code = DottedCode::root("1");
        for _ in 0..1_000_000 {
            code = DottedCode::child(&code, "1");
        }
        assert_eq!(code.depth(), 1_000_001);
        drop(code);
    }
}
