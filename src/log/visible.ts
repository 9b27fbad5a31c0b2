// Text that processes choose (comm, command lines, cgroup names) reaches people's terminals
// through the text log and `jobdone ps`. Raw, an ESC sequence clears the screen or sets the
// clipboard (OSC 52), a bare CR or a newline forges a line or a ps row, U+2028 breaks lines in
// some viewers, bidi controls reorder what is shown. Each such character is written as a visible
// escape instead: \e, \n, \r, \t, \xNN (other C0, DEL and C1), \uNNNN (line/paragraph
// separators, bidi controls). JSON output needs none of this: JSON.stringify escapes it.

const named: Record<string, string> = { '\x1b': '\\e', '\n': '\\n', '\r': '\\r', '\t': '\\t' };

// C0, DEL, C1; U+2028/2029; the bidi embeddings, overrides, isolates and marks.
const invisible = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

export function visible(text: string): string {
  return text.replace(invisible, (char) => {
    const code = char.charCodeAt(0);
    return named[char] ?? (code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`);
  });
}
