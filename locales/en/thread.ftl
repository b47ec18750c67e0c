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
# The development outbox (templates/messages_outbox.html).
outbox-title = Development outbox
# Followed by the setting's name in brackets and outbox-intro.
outbox-no-server = No mail server is configured
outbox-intro = so the notification e-mails the portal would send are shown here instead. This page does not exist in production.
outbox-none = No e-mails yet.
outbox-to = To
outbox-sent = Sent
