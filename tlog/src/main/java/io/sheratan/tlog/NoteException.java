package io.sheratan.tlog;

/** A note, checkpoint, key or proof that is malformed or does not verify; the message says which and why. */
public final class NoteException extends Exception {
    public NoteException(String message) {
        super(message);
    }
}
