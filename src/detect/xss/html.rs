//! A tolerant HTML start/end tag tokenizer for inspection: finds `<name ...>` as browsers
//! would start a tag (a letter after `<`), with attributes separated by whitespace or `/`,
//! quoted or unquoted values, and unterminated tags (the value may be cut or injected into
//! a page that closes it). Works on lower-cased text; bounded per tag.

/// One attribute.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attr<'a> {
    pub name: &'a str,
    pub value: &'a str,
    pub has_value: bool,
}

/// One tag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tag<'a> {
    pub name: &'a str,
    pub closing: bool,
    pub attrs: Vec<Attr<'a>>,
    /// A `>` ended it.
    pub closed: bool,
    pub start: usize,
    pub end: usize,
}

const MAX_ATTRS: usize = 64;

/// Iterator over the tags of a (lower-cased) text.
pub struct Tags<'a> {
    s: &'a str,
    pos: usize,
}

impl<'a> Tags<'a> {
    pub fn new(s: &'a str) -> Tags<'a> {
        Tags { s, pos: 0 }
    }
}

fn is_name_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, b':' | b'_' | b'-' | b'.')
}

impl<'a> Iterator for Tags<'a> {
    type Item = Tag<'a>;

    fn next(&mut self) -> Option<Tag<'a>> {
        let s = self.s;
        let b = s.as_bytes();
        loop {
            let lt = self.pos + memchr::memchr(b'<', b.get(self.pos..)?)?;
            self.pos = lt + 1;
            let mut i = lt + 1;
            let closing = b.get(i) == Some(&b'/');
            if closing {
                i += 1;
            }
            if !b.get(i).is_some_and(u8::is_ascii_alphabetic) {
                continue;
            }
            let ns = i;
            while b.get(i).copied().is_some_and(is_name_char) {
                i += 1;
            }
            let name = s.get(ns..i).unwrap_or("");
            let mut attrs = Vec::new();
            let mut closed = false;
            loop {
                while b.get(i).is_some_and(|c| c.is_ascii_whitespace() || *c == b'/' || *c == 0) {
                    i += 1;
                }
                match b.get(i) {
                    None | Some(b'<') => break,
                    Some(b'>') => {
                        closed = true;
                        i += 1;
                        break;
                    }
                    _ => {}
                }
                if attrs.len() >= MAX_ATTRS {
                    break;
                }
                let an = i;
                // The first character may be anything but a separator (even `=` or a quote).
                i += 1;
                while b.get(i).is_some_and(|c| !c.is_ascii_whitespace() && !matches!(c, b'/' | b'>' | b'=' | b'<')) {
                    i += 1;
                }
                let aname = s.get(an..i).unwrap_or("");
                let mut j = i;
                while b.get(j).is_some_and(|c| c.is_ascii_whitespace()) {
                    j += 1;
                }
                if b.get(j) != Some(&b'=') {
                    attrs.push(Attr { name: aname, value: "", has_value: false });
                    continue;
                }
                j += 1;
                while b.get(j).is_some_and(|c| c.is_ascii_whitespace()) {
                    j += 1;
                }
                let (vs, ve, next) = match b.get(j) {
                    Some(q @ (b'"' | b'\'' | b'`')) => {
                        let e = memchr::memchr(*q, b.get(j + 1..).unwrap_or_default()).map(|p| j + 1 + p).unwrap_or(b.len());
                        (j + 1, e, (e + 1).min(b.len()))
                    }
                    _ => {
                        let mut e = j;
                        while b.get(e).is_some_and(|c| !c.is_ascii_whitespace() && *c != b'>') {
                            e += 1;
                        }
                        (j, e, e)
                    }
                };
                attrs.push(Attr { name: aname, value: s.get(vs..ve).unwrap_or(""), has_value: true });
                i = next;
            }
            self.pos = i.max(lt + 1);
            return Some(Tag { name, closing, attrs, closed, start: lt, end: i });
        }
    }
}

/// An `on*` attribute name (any: browsers and custom elements accept them all).
pub fn is_event_handler(name: &str) -> bool {
    name.len() >= 5 && name.starts_with("on") && name.bytes().all(|c| c.is_ascii_alphabetic())
}

/// Event handler names that exist in browsers (for handlers outside a parsed tag).
const KNOWN: &[&str] = &[
    "abort", "activate", "afterprint", "afterscriptexecute", "afterupdate", "animationcancel", "animationend", "animationiteration",
    "animationstart", "auxclick", "beforeactivate", "beforecopy", "beforecut", "beforedeactivate", "beforeinput", "beforematch",
    "beforepaste", "beforeprint", "beforescriptexecute", "beforetoggle", "beforeunload", "beforeupdate", "begin", "blur", "bounce",
    "cancel", "canplay", "canplaythrough", "cellchange", "change", "click", "close", "contextmenu", "controlselect", "copy",
    "cuechange", "cut", "dataavailable", "datasetchanged", "datasetcomplete", "dblclick", "deactivate", "drag", "dragend",
    "dragenter", "dragexit", "dragleave", "dragover", "dragstart", "drop", "durationchange", "emptied", "end", "ended", "error",
    "errorupdate", "filterchange", "finish", "focus", "focusin", "focusout", "formdata", "fullscreenchange", "hashchange", "help",
    "input", "invalid", "keydown", "keypress", "keyup", "layoutcomplete", "load", "loadeddata", "loadedmetadata", "loadend",
    "loadstart", "losecapture", "message", "mousedown", "mouseenter", "mouseleave", "mousemove", "mouseout", "mouseover",
    "mouseup", "mousewheel", "move", "moveend", "movestart", "offline", "online", "pagehide", "pageshow", "paste", "pause", "play",
    "playing", "pointercancel", "pointerdown", "pointerenter", "pointerleave", "pointermove", "pointerout", "pointerover",
    "pointerrawupdate", "pointerup", "popstate", "progress", "propertychange", "ratechange", "readystatechange", "repeat", "reset",
    "resize", "rowenter", "rowexit", "rowsdelete", "rowsinserted", "scroll", "scrollend", "search", "securitypolicyviolation",
    "seeked", "seeking", "select", "selectionchange", "selectstart", "show", "slotchange", "stalled", "start", "stop", "storage",
    "submit", "suspend", "timeupdate", "toggle", "touchcancel", "touchend", "touchmove", "touchstart", "transitioncancel",
    "transitionend", "transitionrun", "transitionstart", "unload", "volumechange", "waiting", "webkitanimationend",
    "webkitanimationiteration", "webkitanimationstart", "webkittransitionend", "wheel", "contentvisibilityautostatechange",
    // Newer and vendor events (browser event tables, XSS cheat sheets).
    "zoom", "scrollsnapchange", "scrollsnapchanging", "pagereveal", "pageswap", "command", "gotpointercapture", "lostpointercapture",
    "beforexrselect", "messageerror", "webkitplaybacktargetavailabilitychanged", "webkitcurrentplaybacktargetiswirelesschanged",
    "webkitmouseforcechanged", "webkitmouseforcedown", "webkitmouseforceup", "webkitmouseforcewillbegin", "webkitwillrevealbottom",
    "webkitfullscreenchange", "webkitfullscreenerror", "webkitbeginfullscreen", "webkitendfullscreen", "webkitpresentationmodechanged",
    "webkitkeyadded", "webkitkeyerror", "webkitkeymessage", "webkitneedkey", "mozfullscreenchange", "mozfullscreenerror",
    "mozpointerlockchange", "mozpointerlockerror", "pointerlockchange", "pointerlockerror", "fullscreenerror", "visibilitychange",
    "orientationchange", "devicemotion", "deviceorientation", "encrypted", "waitingforkey", "enterpictureinpicture",
    "leavepictureinpicture",
];

/// Whether `name` (lower-case, with the `on` prefix) is a known browser event handler.
pub fn is_known_handler(name: &str) -> bool {
    name.strip_prefix("on").is_some_and(|n| KNOWN.contains(&n))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokenizes() {
        let s = "a<b>x</b><img/src=x onerror = 'a b' id=\"q\"><svg/onload=alert(1)";
        let t: Vec<Tag<'_>> = Tags::new(s).collect();
        assert_eq!(t.len(), 4);
        assert_eq!((t[0].name, t[1].closing), ("b", true));
        assert_eq!(t[2].name, "img");
        assert_eq!(t[2].attrs[1], Attr { name: "onerror", value: "a b", has_value: true });
        assert_eq!(t[3].attrs[0].value, "alert(1)");
        assert!(!t[3].closed);
        assert_eq!(Tags::new("1 < 2 <3").count(), 0);
        assert!(is_known_handler("onmouseover") && !is_known_handler("online2"));
    }
}
