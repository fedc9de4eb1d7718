;;; eglot.el --- Drives Emacs (batch) with eglot through the README's configuration -*- lexical-binding: t -*-
;; Against the real server: diagnostics (flymake) on an example and a broken copy, hover, completion (eglot
;; without yasnippet advertises no snippets), a code action applied, rename and formatting. Writes what it saw
;; to $UNROLL_EMACS_OUT as JSON; eglot.test.ts judges it.
(require 'json)
(require 'subr-x)
(defvar unroll-out nil)
(defun unroll-put (key value) (push (cons key value) unroll-out))
(defun unroll-wait (pred &optional seconds)
  (let ((deadline (+ (float-time) (or seconds 20))))
    (while (and (not (funcall pred)) (< (float-time) deadline))
      (accept-process-output nil 0.05))
    (funcall pred)))
(defun unroll-step (name fn)
  (condition-case err (progn (funcall fn) (unroll-put (intern (concat name "-ok")) t))
    (error (unroll-put (intern (concat name "-error")) (format "%S" err)))))
(defun unroll-request (method params)
  ;; Eglot sends buffer changes lazily (before its own requests, or when idle): send them first, as it does.
  (eglot--signal-textDocument/didChange)
  (jsonrpc-request (eglot--current-server-or-lose) method params))
(defun unroll-goto (needle) (goto-char (point-min)) (search-forward needle) (goto-char (match-beginning 0)))
(defun unroll-errors ()
  (mapcar (lambda (d) (list (cons 'line (1- (line-number-at-pos (flymake-diagnostic-beg d))))
                            (cons 'type (format "%s" (flymake-diagnostic-type d)))
                            (cons 'message (flymake-diagnostic-text d))))
          (flymake-diagnostics)))
(defun unroll-open (file)
  (find-file file)
  ;; eglot-ensure connects from post-command-hook, which batch mode never runs: run it once.
  (run-hooks 'post-command-hook)
  (unroll-wait (lambda () (eglot-current-server))))

(load (getenv "UNROLL_EMACS_CONFIG"))
(require 'eglot)

(unroll-step "open-example"
  (lambda ()
    (unroll-open (getenv "UNROLL_EMACS_GOOD"))
    (unroll-put 'mode (format "%s" major-mode))
    (unroll-put 'attached (and (eglot-current-server) t))
    (unroll-goto "logits = dense")
    (forward-char 2)
    (let ((h (unroll-request :textDocument/hover (eglot--TextDocumentPositionParams))))
      (unroll-put 'hover (plist-get (plist-get h :contents) :value)))))

(unroll-step "open-broken"
  (lambda ()
    (unroll-open (getenv "UNROLL_EMACS_BROKEN"))
    (unroll-wait (lambda () (flymake-start) (accept-process-output nil 0.1) (flymake-diagnostics)))
    (unroll-put 'broken-diagnostics (unroll-errors))))

(unroll-step "completion"
  (lambda ()
    (unroll-goto "  logits = ")
    (end-of-line)
    (insert "\n  z = ")
    (let* ((r (unroll-request :textDocument/completion (eglot--TextDocumentPositionParams)))
           (items (if (vectorp r) r (plist-get r :items))))
      (unroll-put 'completion (mapcar (lambda (it) (list (cons 'label (plist-get it :label)) (cons 'insertText (plist-get it :insertText)))) items))
      (let ((dense (seq-find (lambda (it) (equal (plist-get it :label) "dense")) items)))
        (insert (or (plist-get dense :insertText) (plist-get dense :label)))))
    (unroll-put 'completed-line (buffer-substring-no-properties (line-beginning-position) (line-end-position)))
    (delete-region (1- (line-beginning-position)) (line-end-position))))

(unroll-step "completion-at-point"
  (lambda ()
    ;; What a user does: type a prefix and complete (one candidate, so it is inserted without a menu).
    (unroll-goto "  logits = ")
    (end-of-line)
    (insert "\n  z = embe")
    (eglot--signal-textDocument/didChange)
    (completion-at-point)
    (unroll-put 'capf-line (buffer-substring-no-properties (line-beginning-position) (line-end-position)))
    (delete-region (1- (line-beginning-position)) (line-end-position))))

(unroll-step "code-action"
  (lambda ()
    (unroll-wait (lambda () (flymake-start) (accept-process-output nil 0.1)
                   (seq-find (lambda (d) (string-match-p "dek" (flymake-diagnostic-text d))) (flymake-diagnostics))))
    (let* ((d (seq-find (lambda (d) (string-match-p "dek" (flymake-diagnostic-text d))) (flymake-diagnostics)))
           (actions (unroll-request :textDocument/codeAction
                                     (list :textDocument (eglot--TextDocumentIdentifier)
                                           :range (list :start (eglot--pos-to-lsp-position (flymake-diagnostic-beg d))
                                                        :end (eglot--pos-to-lsp-position (flymake-diagnostic-end d)))
                                           :context (list :diagnostics (vector)))))
           (fix (aref actions 0)))
      (unroll-put 'actions (mapcar (lambda (a) (plist-get a :title)) actions))
      (if (plist-get fix :edit) (eglot--apply-workspace-edit (plist-get fix :edit))
        (eglot-execute-command (eglot--current-server-or-lose) (plist-get fix :command) (plist-get fix :arguments))))
    (unroll-goto "logits = ")
    (unroll-put 'after-fix (buffer-substring-no-properties (point) (line-end-position)))))

(unroll-step "rename"
  (lambda ()
    (unroll-goto "dec, _ = lstm")
    (eglot--signal-textDocument/didChange)
    (eglot-rename "decoded")
    (unroll-put 'renamed (how-many "decoded" (point-min) (point-max)))))

(unroll-step "formatting"
  (lambda ()
    (eglot--signal-textDocument/didChange)
    (eglot-format-buffer)
    (unroll-put 'formatted (buffer-substring-no-properties (point-min) (point-max)))
    (unroll-wait (lambda () (flymake-start) (accept-process-output nil 0.2)
                   (not (seq-find (lambda (d) (eq (flymake-diagnostic-type d) :error)) (flymake-diagnostics)))))
    (unroll-put 'final-diagnostics (unroll-errors))))

(with-temp-file (getenv "UNROLL_EMACS_OUT") (insert (json-encode unroll-out)))
(kill-emacs 0)
