// Browser-side behaviour of the conversation, none of which needs a round trip to the server:
// - follow the stream (keep the newest text in view) only while the user is at the bottom,
//   and offer "Jump to bottom" otherwise;
// - highlight code blocks once they are finished (frozen blocks never re-render, so the
//   highlighted DOM stays as it is);
// - the Copy button of each code block.
const nearBottom = 48;

export function init(list, jumpButton) {
    let following = true;
    const atBottom = () => list.scrollHeight - list.scrollTop - list.clientHeight <= nearBottom;
    const showJump = () => { jumpButton.hidden = following || atBottom(); };

    const onScroll = () => { following = atBottom(); showJump(); };
    const onJump = () => {
        following = true;
        list.scrollTop = list.scrollHeight;
        showJump();
        list.querySelector(".message:last-of-type")?.focus?.({ preventScroll: true });
    };
    const onClick = event => {
        const button = event.target.closest?.(".copy-code");
        if (!button || !list.contains(button)) return;
        const code = button.closest(".code-block")?.querySelector("code");
        if (code) copy(button, code.innerText);
    };
    const observer = new MutationObserver(() => {
        highlight(list);
        if (following) list.scrollTop = list.scrollHeight;
        showJump();
    });

    list.addEventListener("scroll", onScroll, { passive: true });
    list.addEventListener("click", onClick);
    jumpButton.addEventListener("click", onJump);
    observer.observe(list, { childList: true, subtree: true, characterData: true });
    highlight(list);

    return {
        dispose() {
            observer.disconnect();
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
