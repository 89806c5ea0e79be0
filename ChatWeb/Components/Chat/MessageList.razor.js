// Browser-side behaviour of the conversation, none of which needs a round trip to the server:
// - follow the stream (keep the newest text in view) only while the user is at the bottom,
//   and offer "Jump to bottom" otherwise;
// - highlight code blocks once they are finished (frozen blocks never re-render, so the
//   highlighted DOM stays as it is);
// - typeset math ($…$, $$…$$) with KaTeX once its block is finished, from the element's text only;
// - show each message's time in the reader's own time zone;
// - the Copy button of each code block.
const nearBottom = 48;

export function init(list, jumpButton) {
    // Following: the list was put at the bottom by this code and the reader has not moved up since.
    // A scroll event arrives a frame late, so the reader's move is also seen by comparing scrollTop
    // with where the list was last put; otherwise a render in that frame would snap the reader back.
    let following = true;
    let lastPutAt = list.scrollTop;
    const atBottom = () => list.scrollHeight - list.scrollTop - list.clientHeight <= nearBottom;
    const movedUp = () => list.scrollTop < lastPutAt - 2;
    const showJump = () => { jumpButton.hidden = following || atBottom(); };
    const follow = () => {
        if (following && movedUp() && !atBottom()) following = false;
        if (following) {
            list.scrollTop = list.scrollHeight;
            lastPutAt = list.scrollTop;
        }
        showJump();
    };

    const onScroll = () => {
        if (atBottom()) {
            following = true;
            lastPutAt = list.scrollTop;
        } else if (movedUp()) {
            following = false;
        }
        showJump();
    };
    const onJump = () => {
        following = true;
        lastPutAt = 0;
        follow();
    };
    const onClick = event => {
        const button = event.target.closest?.(".copy-code");
        if (!button || !list.contains(button)) return;
        const code = button.closest(".code-block")?.querySelector("code");
        if (code) copy(button, code.innerText);
    };
    const observer = new MutationObserver(() => {
        highlight(list);
        typeset(list);
        localTimes(list);
        follow();
    });

    // A narrower window or a taller composer changes the list's size: keep the newest text in view.
    const resized = new ResizeObserver(follow);

    list.addEventListener("scroll", onScroll, { passive: true });
    list.addEventListener("click", onClick);
    jumpButton.addEventListener("click", onJump);
    observer.observe(list, { childList: true, subtree: true, characterData: true });
    resized.observe(list);
    highlight(list);
    typeset(list);
    localTimes(list);

    return {
        dispose() {
            observer.disconnect();
            resized.disconnect();
            list.removeEventListener("scroll", onScroll);
            list.removeEventListener("click", onClick);
            jumpButton.removeEventListener("click", onJump);
        },
    };
}

function highlight(root) {
    const hljs = globalThis.hljs;
    if (!hljs) return;
    for (const code of root.querySelectorAll(".md-frozen pre code:not([data-highlighted])")) {
        hljs.highlightElement(code);
    }
}

// Markdig leaves math as text inside <span class="math"> / <div class="math"> (HTML-escaped, with \( \) or \[ \]
// around it). KaTeX reads that text, never HTML, and with trust off it makes no links, classes or styles
// from it; a formula it cannot read is shown as its source text.
function typeset(root) {
    const katex = globalThis.katex;
    if (!katex) return;
    for (const math of root.querySelectorAll(".md-frozen .math:not([data-typeset])")) {
        math.dataset.typeset = "";
        const source = math.textContent.trim().replace(/^\\[(\[]|\\[)\]]$/g, "");
        try {
            katex.render(source, math, { displayMode: math.tagName === "DIV", throwOnError: false, trust: false, maxSize: 50, maxExpand: 500 });
        } catch {
            math.textContent = source;
        }
    }
}

function localTimes(root) {
    for (const time of root.querySelectorAll("time.message-time:not([data-local])")) {
        time.dataset.local = "";
        const at = new Date(time.dateTime);
        if (!isNaN(at)) {
            time.textContent = at.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
            time.title = at.toLocaleString();
        }
    }
}

export async function copy(button, text) {
    try {
        await navigator.clipboard.writeText(text);
        flash(button, "Copied");
    } catch {
        flash(button, "Copy failed");
    }
}

function flash(button, label) {
    const original = button.dataset.label ?? button.textContent;
    button.dataset.label = original;
    button.textContent = label;
    setTimeout(() => { button.textContent = original; }, 1500);
}
