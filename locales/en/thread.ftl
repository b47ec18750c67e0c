# One conversation (templates/messages_thread.html).
thread-all-messages = All messages
thread-assigned-to = Assigned to
thread-nobody-yet = Nobody yet
thread-assign-to-me = Assign to me
thread-reopen = Reopen
thread-mark-done = Mark done
# The author of one's own messages, before their date: "You, 3 March 2024".
thread-you = You
thread-sent = Message sent.
thread-your-reply = Your reply
thread-send-reply = Send reply
