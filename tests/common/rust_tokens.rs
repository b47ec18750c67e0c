//! A small tokenizer of Rust source for the tests that read the crate's own files
//! (`module_graph.rs`, `english_in_rust.rs`): comments, char literals, lifetimes and numbers
//! dropped; identifiers, `::`, punctuation and string literals (with their line) kept. A test
//! that has no use for strings filters `Token::Str` out.

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Token {
    Ident(String),
    /// `::`
    PathSep,
    Punct(char),
    /// A string literal's text (escapes as written, a `\` line continuation joined) and line.
    Str(String, usize),
}

/// Tokens of Rust source: comments, char literals, lifetimes and numbers dropped; string
/// literals kept.
pub fn tokenize(src: &str) -> Vec<Token> {
    let chars: Vec<char> = src.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    let n = chars.len();
    let mut line = 1;
    // The line of index `i`, counted forward as `i` moves.
    let mut counted = 0;
    let mut line_at = |i: usize, line: &mut usize| {
        while counted < i.min(n) {
            if chars[counted] == '\n' {
                *line += 1;
            }
            counted += 1;
        }
        *line
    };
    while i < n {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        if c.is_whitespace() {
            i += 1;
        } else if c == '/' && next == Some('/') {
            while i < n && chars[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            let mut depth = 0;
            while i < n {
                if chars[i] == '/' && chars.get(i + 1) == Some(&'*') {
                    depth += 1;
                    i += 2;
                } else if chars[i] == '*' && chars.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
        } else if let Some((start, end, after)) = raw_string(&chars, i) {
            let at = line_at(i, &mut line);
            tokens.push(Token::Str(chars[start..end].iter().collect(), at));
            i = after;
        } else if c == '"' || (c == 'b' && next == Some('"')) {
            let at = line_at(i, &mut line);
            i += if c == 'b' { 2 } else { 1 };
            let mut text = String::new();
            while i < n && chars[i] != '"' {
                if chars[i] == '\\' && chars.get(i + 1) == Some(&'\n') {
                    // A line continuation: the next line's leading blanks are not in the string.
                    i += 2;
                    while i < n && chars[i].is_whitespace() {
                        i += 1;
                    }
                    continue;
                }
                if chars[i] == '\\' {
                    text.push(chars[i]);
                    i += 1;
                }
                if i < n {
                    text.push(chars[i]);
                }
                i += 1;
            }
            i += 1;
            tokens.push(Token::Str(text, at));
        } else if c == '\'' || (c == 'b' && next == Some('\'')) {
            let start = if c == 'b' { i + 1 } else { i };
            if chars.get(start + 1) == Some(&'\\') {
                i = start + 3;
                while i < n && chars[i] != '\'' {
                    i += 1;
                }
                i += 1;
            } else if chars.get(start + 2) == Some(&'\'') {
                i = start + 3;
            } else {
                // A lifetime or label.
                i = start + 1;
                while i < n && (chars[i].is_alphanumeric() || chars[i] == '_') {
                    i += 1;
                }
            }
        } else if c.is_ascii_digit() {
            while i < n && (chars[i].is_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
        } else if c.is_alphabetic() || c == '_' {
            let start = i;
            while i < n && (chars[i].is_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            let word: String = chars[start..i].iter().collect();
            let word = word.strip_prefix("r#").map(str::to_owned).unwrap_or(word);
            tokens.push(Token::Ident(word));
        } else if c == ':' && next == Some(':') {
            tokens.push(Token::PathSep);
            i += 2;
        } else {
            tokens.push(Token::Punct(c));
            i += 1;
        }
    }
    tokens
}

/// If a raw string (`r"…"`, `r#"…"#`, `br#"…"#`) starts at `i`: its text's range and the
/// index after it.
fn raw_string(chars: &[char], i: usize) -> Option<(usize, usize, usize)> {
    let mut j = i;
    if chars.get(j) == Some(&'b') {
        j += 1;
    }
    if chars.get(j) != Some(&'r') {
        return None;
    }
    if i > 0 && (chars[i - 1].is_alphanumeric() || chars[i - 1] == '_') {
        return None;
    }
    j += 1;
    let mut hashes = 0;
    while chars.get(j) == Some(&'#') {
        hashes += 1;
        j += 1;
    }
    if chars.get(j) != Some(&'"') {
        return None;
    }
    j += 1;
    let start = j;
    while j < chars.len() {
        if chars[j] == '"' && (1..=hashes).all(|k| chars.get(j + k) == Some(&'#')) {
            return Some((start, j, j + 1 + hashes));
        }
        j += 1;
    }
    Some((start, chars.len(), chars.len()))
}
