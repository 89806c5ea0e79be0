// Drives the reconnect dialog from blazor.web.js's "components-reconnect-state-changed" events
// (states: show, hide, retrying, failed, rejected).
const dialog = document.getElementById("components-reconnect-modal");

dialog.addEventListener("components-reconnect-state-changed", event => {
    const state = event.detail.state;
    if (state === "rejected") {
        location.reload(); // the server no longer knows this circuit (it restarted): start afresh
        return;
    }
    dialog.dataset.state = state;
    if (state === "hide") {
        dialog.close();
    } else if (!dialog.open) {
        dialog.showModal();
    }
    if (state === "failed") {
        document.addEventListener("visibilitychange", retryWhenVisible);
    }
});

document.getElementById("components-reconnect-button").addEventListener("click", retry);
document.getElementById("components-reload-button").addEventListener("click", () => location.reload());

async function retry() {
    document.removeEventListener("visibilitychange", retryWhenVisible);
    dialog.dataset.state = "retrying";
    try {
        if (!await Blazor.reconnect()) {
            location.reload(); // reached the server, which refused the circuit
        }
    } catch {
        dialog.dataset.state = "failed"; // still unreachable
    }
}

function retryWhenVisible() {
    if (document.visibilityState === "visible") {
        retry();
    }
}
