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
# The care teams' inbox (templates/messages_inbox.html).
inbox-heading = Messages from your patients
inbox-intro = The inbox of your care teams: unread conversations first. Opening a conversation is recorded in the patient's access log.
inbox-all-patients = All patients
inbox-done = Done
inbox-all = All
inbox-mine = Only those assigned to me
inbox-show = Show
inbox-none = No conversations match.
inbox-unread = (unread)
inbox-nobody = Nobody
inbox-conversations = Conversations
