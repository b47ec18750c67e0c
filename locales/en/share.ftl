# A new SMART Health Link (templates/share_created.html).
share-created-title = Your share link
share-created-heading = Your share link is ready
share-created-once = This is the only time the portal can show this link: it holds its own key, which the portal does not keep. Print the card, save the link, or let the recipient scan the QR code now.
share-created-record-of = Health record of { $name }
share-created-shares = Shares
share-created-until = Works until
share-created-passcode = Passcode
share-created-passcode-needed = Needed (ask { $name })
share-created-passcode-none = None
share-created-scan = Scan with a SMART Health Links app, or paste the link below into one.
share-created-link = The link (SMART Health Link)
share-created-print = Use your browser's print command to print the card above; the menus and buttons are left out of the print.
share-created-list = Your shared links
# The SMART Health Card of one's immunizations (templates/share_health_card.html).
share-card-title = Your immunization card
share-card-intro = A SMART Health Card: your immunizations, signed by the portal so that a verifier app can check that they come from your record and were not changed. Show the QR code, print this page, or download the file.
share-card-of = Immunizations of { $name }
share-card-none = No completed immunizations are recorded.
share-card-download = Download the card (.smart-health-card file)
