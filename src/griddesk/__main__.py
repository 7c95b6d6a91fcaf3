from griddesk.cli import main

main()
