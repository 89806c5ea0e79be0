// Copies a whole answer (its markdown) to the clipboard; true when it worked.
export async function copyText(text) {
    try {
        await navigator.clipboard.writeText(text);
        return true;
    } catch {
        return false;
    }
}
